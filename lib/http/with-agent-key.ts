import { z } from "zod";
import { authenticateApiKey, type TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { AppError } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { consumeRate, recordRateRefusal } from "@/lib/guardrails/rate-limit";
import { runGated } from "@/lib/guardrails/kill-switch-state";
import { MAX_BODY_BYTES } from "@/lib/agent-api/contract";
import { toProblem } from "./problem";
import { readJsonBody } from "./read-json-body";

type THandler<B, Q> = (ctx: {
  agent: TAuthenticatedAgent;
  body: B;
  query: Q;
  req: Request;
  params: Record<string, string>;
  requestId: string;
}) => Promise<unknown>;

/**
 * The wrapper for agent API routes: bearer API key, the calls-per-minute limit (shared by every
 * instance through PostgreSQL), body size limit, JSON parsing, zod-parsed body and query, and
 * problem+json for every error. The handler returns data (sent as JSON) or, for a protocol
 * that answers itself (MCP), a Response. `countCall: false` (or a function of the body answering
 * false) leaves rate limiting to the handler, which must record the refusal. Each request runs
 * gated (`runGated`): once it has read the kill switches, this process acknowledges a later trip
 * only after the request has finished.
 */
export function withAgentKey<B = undefined, Q = undefined>(
  opts: {
    body?: z.ZodType<B>;
    query?: z.ZodType<Q>;
    /** false, or false for the bodies whose handler counts the call itself */
    countCall?: boolean | ((body: B) => boolean);
  },
  handler: THandler<B, Q>,
) {
  return (req: Request, ctx: { params: Promise<Record<string, string>> }) =>
    runGated(() => handle(req, ctx));
  async function handle(req: Request, ctx: { params: Promise<Record<string, string>> }) {
    const requestId = prefixedId("req", 8);
    try {
      const header = req.headers.get("authorization") ?? "";
      const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;
      const agent = await authenticateApiKey(key);
      let body = undefined as B;
      const readBody = async () => {
        if (opts.body) {
          body = opts.body.parse(await readJsonBody(req, { maxBytes: MAX_BODY_BYTES }));
        }
      };
      // a rule that looks at the body reads it first (size-limited, after authentication); a
      // body that cannot be read is counted, then refused
      const byBody = typeof opts.countCall === "function" ? opts.countCall : null;
      const unreadable = byBody
        ? await readBody().then(
            () => null,
            (error: unknown) => ({ error }),
          )
        : null;
      const counted = byBody ? unreadable !== null || byBody(body) : opts.countCall !== false;
      if (counted) {
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
      if (unreadable) throw unreadable.error;
      if (!byBody) await readBody();
      const query = (
        opts.query ? opts.query.parse(Object.fromEntries(new URL(req.url).searchParams)) : undefined
      ) as Q;
      const result = await handler({
        agent,
        body,
        query,
        req,
        params: (await ctx?.params) ?? {},
        requestId,
      });
      const res = result instanceof Response ? result : Response.json(result);
      res.headers.set("x-request-id", requestId);
      return res;
    } catch (err) {
      return toProblem(err, requestId);
    }
  }
}
