import type { TConnectorErrorClass } from "@/lib/connectors/salesforce";

/**
 * What execution does with each connector error class. `retry` classes try again with
 * exponential backoff until `maxAttempts` tries in all; `fail_fast` classes go straight to the
 * dead-letter queue; a `conflict` is never retried blindly: the request goes back to a person.
 */
export type TRetryRule = {
  maxAttempts: number;
  backoffMs: number;
  factor: number;
  maxBackoffMs: number;
};
export type TRetryPolicy = Record<TConnectorErrorClass, TRetryRule>;

export const RETRYABLE: ReadonlySet<TConnectorErrorClass> = new Set([
  "timeout",
  "unavailable",
  "rate_limited",
  "session_expired",
]);

const FAIL_FAST: TRetryRule = { maxAttempts: 1, backoffMs: 0, factor: 1, maxBackoffMs: 0 };

export const DEFAULT_RETRY_POLICY: TRetryPolicy = {
  timeout: { maxAttempts: 4, backoffMs: 5_000, factor: 2, maxBackoffMs: 300_000 },
  unavailable: { maxAttempts: 5, backoffMs: 10_000, factor: 2, maxBackoffMs: 600_000 },
  // Salesforce's per-org limits reset over minutes to a day: wait long, and not often
  rate_limited: { maxAttempts: 5, backoffMs: 60_000, factor: 3, maxBackoffMs: 3_600_000 },
  // the connector already logged in again once; one more try after a pause
  session_expired: { maxAttempts: 2, backoffMs: 30_000, factor: 1, maxBackoffMs: 30_000 },
  validation: FAIL_FAST,
  permission: FAIL_FAST,
  not_found: FAIL_FAST,
  conflict: FAIL_FAST,
};

export type TAfterFailure =
  | { kind: "retry"; delayMs: number }
  | { kind: "dead_letter"; why: string }
  | { kind: "back_to_approval" };

/** After try number `attempt` (1-based) failed with `errorClass`, what happens next? */
export function afterFailure(
  policy: TRetryPolicy,
  errorClass: TConnectorErrorClass,
  attempt: number,
): TAfterFailure {
  if (errorClass === "conflict") return { kind: "back_to_approval" };
  const rule = policy[errorClass];
  if (!RETRYABLE.has(errorClass) || rule.maxAttempts <= 1) {
    return { kind: "dead_letter", why: `${errorClass.replaceAll("_", " ")} is not retried` };
  }
  if (attempt >= rule.maxAttempts) {
    return {
      kind: "dead_letter",
      why: `gave up after ${attempt} ${attempt === 1 ? "try" : "tries"} (${errorClass.replaceAll("_", " ")})`,
    };
  }
  return { kind: "retry", delayMs: backoffDelay(rule, attempt) };
}

/** The wait before try `attempt + 1`: backoffMs · factor^(attempt-1), capped. */
export function backoffDelay(rule: TRetryRule, attempt: number): number {
  const raw = rule.backoffMs * Math.pow(rule.factor, Math.max(0, attempt - 1));
  return Math.round(Math.min(raw, rule.maxBackoffMs));
}

/** Defaults overlaid with the rows an admin saved (unknown classes are ignored). */
export function mergeRetryPolicy(
  rows: {
    errorClass: string;
    maxAttempts: number;
    backoffMs: number;
    factor: number;
    maxBackoffMs: number;
  }[],
): TRetryPolicy {
  const out: TRetryPolicy = { ...DEFAULT_RETRY_POLICY };
  for (const r of rows) {
    if (!(r.errorClass in out) || r.errorClass === "conflict") continue;
    out[r.errorClass as TConnectorErrorClass] = {
      maxAttempts: Math.max(1, r.maxAttempts),
      backoffMs: Math.max(0, r.backoffMs),
      factor: Math.max(1, r.factor),
      maxBackoffMs: Math.max(0, r.maxBackoffMs),
    };
  }
  return out;
}
