// Fault injection for tests: latency, one-shot failures, hangs and rate limiting, so the
// connector's retry and error classification can be exercised against real HTTP.
import { z } from "zod";

export const ZFaultInput = z
  .object({
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    /** Only requests with this HTTP method are slowed down (e.g. PATCH: reads stay fast). */
    latencyMethod: z.enum(["GET", "POST", "PATCH", "DELETE"]).nullable().optional(),
    failNext: z
      .object({
        count: z.number().int().min(1),
        status: z.number().int().min(400).max(599),
        errorCode: z.string().min(1).optional(),
        message: z.string().optional(),
      })
      .optional(),
    timeoutNext: z.number().int().min(1).optional(),
    rateLimitNext: z.number().int().min(1).optional(),
    expireSessions: z.boolean().optional(),
    /** Only requests whose path contains this substring are affected. */
    match: z.string().min(1).optional(),
    /** Only requests with this HTTP method are affected (e.g. PATCH: the read passes, the write fails). */
    method: z.enum(["GET", "POST", "PATCH", "DELETE"]).optional(),
    clear: z.boolean().optional(),
  })
  .strict();

export type TFaultInput = z.infer<typeof ZFaultInput>;

export type FaultRule =
  | {
      kind: "fail";
      remaining: number;
      status: number;
      errorCode: string;
      message: string;
      match?: string;
      method?: string;
    }
  | { kind: "timeout"; remaining: number; match?: string; method?: string }
  | { kind: "rateLimit"; remaining: number; match?: string; method?: string };

const DEFAULT_CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "INVALID_SESSION_ID",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  429: "REQUEST_LIMIT_EXCEEDED",
  500: "UNKNOWN_EXCEPTION",
  502: "SERVER_UNAVAILABLE",
  503: "SERVER_UNAVAILABLE",
  504: "REQUEST_RUNNING_TOO_LONG",
};

export class FaultController {
  latencyMs = 0;
  latencyMethod: string | null = null;
  private rules: FaultRule[] = [];

  get pending(): readonly FaultRule[] {
    return this.rules;
  }

  /** How long a request with `method` waits before it is handled. */
  latencyFor(method: string): number {
    return !this.latencyMethod || this.latencyMethod === method ? this.latencyMs : 0;
  }

  clear(): void {
    this.latencyMs = 0;
    this.latencyMethod = null;
    this.rules = [];
  }

  /** Adds the faults in `input`; `expireSessions` is returned for the caller to apply. */
  configure(input: TFaultInput): { expireSessions: boolean } {
    if (input.clear) this.clear();
    if (input.latencyMs !== undefined) this.latencyMs = input.latencyMs;
    if (input.latencyMethod !== undefined) this.latencyMethod = input.latencyMethod;
    const { match, method } = input;
    if (input.failNext) {
      const { count, status, errorCode, message } = input.failNext;
      this.rules.push({
        kind: "fail",
        remaining: count,
        status,
        errorCode: errorCode ?? DEFAULT_CODES[status] ?? "UNKNOWN_EXCEPTION",
        message: message ?? `Injected failure (HTTP ${status}) from the Tollgate sandbox`,
        match,
        method,
      });
    }
    if (input.timeoutNext)
      this.rules.push({ kind: "timeout", remaining: input.timeoutNext, match, method });
    if (input.rateLimitNext)
      this.rules.push({ kind: "rateLimit", remaining: input.rateLimitNext, match, method });
    return { expireSessions: input.expireSessions ?? false };
  }

  /**
   * Consumes the first rule that applies to `path`. Without `match`, rules cover only the
   * data API, so a test's own login is not eaten by a fault meant for a write.
   */
  take(path: string, method = "GET"): FaultRule | undefined {
    const index = this.rules.findIndex(
      (r) =>
        (r.match ? path.includes(r.match) : path.startsWith("/services/data/")) &&
        (!r.method || r.method === method),
    );
    if (index < 0) return undefined;
    const rule = this.rules[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules.splice(index, 1);
    return rule;
  }
}
