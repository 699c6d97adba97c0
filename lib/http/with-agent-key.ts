import { authenticateApiKey, type TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { AppError } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { consumeRate } from "@/lib/guardrails/rate-limit";
import { MAX_BODY_BYTES } from "@/lib/agent-api/contract";
import { toProblem } from "./problem";

type THandler = (ctx: {
  agent: TAuthenticatedAgent;
  body: unknown;
  req: Request;
  params: Record<string, string>;
  requestId: string;
}) => Promise<Response>;

async function readBody(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  // read at most the limit even when content-length lies or is absent (chunked)
  const reader = req.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  let badText = false;
  let parsed: unknown;
  try {
    // PostgreSQL text cannot hold U+0000: refuse it here rather than fail at insert
    parsed = JSON.parse(text, (_k, v) => {
      if (!storable(_k) || (typeof v === "string" && !storable(v))) badText = true;
      return v;
    });
  } catch {
    throw new AppError("invalid_body", 400, "The request body is not valid JSON");
  }
  if (badText) {
    throw new AppError(
      "invalid_body",
      400,
      "Strings must be well-formed Unicode without NUL characters",
    );
  }
  return parsed;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** PostgreSQL text holds neither U+0000 nor half a surrogate pair: refuse them up front. */
const storable = (s: string) => !s.includes("\u0000") && !LONE_SURROGATE.test(s);

const tooLarge = () =>
  new AppError("payload_too_large", 413, `The request body is over ${MAX_BODY_BYTES / 1024} KiB`);

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
          throw new AppError(
            "rate_limited",
            429,
            `Agent "${agent.slug}" is over its limit of ${agent.callsPerMinute} calls per minute`,
            {
              headers: { "retry-after": String(rate.retryAfterSeconds) },
            },
          );
        }
      }
      const body = opts.body ? await readBody(req) : undefined;
      const res = await handler({ agent, body, req, params: (await ctx?.params) ?? {}, requestId });
      res.headers.set("x-request-id", requestId);
      return res;
    } catch (err) {
      return toProblem(err, requestId);
    }
  };
}
