import { authenticateApiKey, type TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { AppError } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { consumeRate, recordRateRefusal } from "@/lib/guardrails/rate-limit";
import { MAX_BODY_BYTES } from "@/lib/agent-api/contract";
import { toProblem } from "./problem";
import { readJsonBody } from "./read-json-body";

type THandler = (ctx: {
  agent: TAuthenticatedAgent;
  body: unknown;
  req: Request;
  params: Record<string, string>;
  requestId: string;
}) => Promise<Response>;

/**
 * The wrapper for agent API routes: bearer API key, body size limit, JSON parsing, the
 * calls-per-minute limit (shared by every instance through PostgreSQL) and problem+json for
 * every error. `countCall: false` leaves rate limiting to the handler, which must record the refusal.
 */
export function withAgentKey(opts: { body?: boolean; countCall?: boolean }, handler: THandler) {
  return async (req: Request, ctx: { params: Promise<Record<string, string>> }) => {
    const requestId = prefixedId("req", 8);
    try {
      const header = req.headers.get("authorization") ?? "";
      const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;
      const agent = await authenticateApiKey(key);
      if (opts.countCall !== false) {
        const rate = await consumeRate(agent.id, {
          kind: "calls_minute",
          limit: agent.callsPerMinute,
        });
        if (!rate.allowed) {
          const detail = `Agent "${agent.slug}" is over its limit of ${agent.callsPerMinute} calls per minute`;
          // counted like ingest's refusals: per agent and minute, one audit event a minute
          await recordRateRefusal(agent, detail);
          throw new AppError("rate_limited", detail, {
            headers: { "retry-after": String(rate.retryAfterSeconds) },
          });
        }
      }
      const body = opts.body ? await readJsonBody(req, { maxBytes: MAX_BODY_BYTES }) : undefined;
      const res = await handler({ agent, body, req, params: (await ctx?.params) ?? {}, requestId });
      res.headers.set("x-request-id", requestId);
      return res;
    } catch (err) {
      return toProblem(err, requestId);
    }
  };
}
