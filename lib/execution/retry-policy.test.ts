import { describe, expect, it } from "vitest";
import { afterFailure, backoffDelay, DEFAULT_RETRY_POLICY, mergeRetryPolicy } from "./retry-policy";

describe("retry policy", () => {
  const p = DEFAULT_RETRY_POLICY;

  it("retries transient classes with exponential backoff until maxAttempts", () => {
    expect(afterFailure(p, "timeout", 1)).toEqual({ kind: "retry", delayMs: 5_000 });
    expect(afterFailure(p, "timeout", 2)).toEqual({ kind: "retry", delayMs: 10_000 });
    expect(afterFailure(p, "timeout", 3)).toEqual({ kind: "retry", delayMs: 20_000 });
    expect(afterFailure(p, "timeout", 4)).toMatchObject({ kind: "dead_letter" });
    expect(afterFailure(p, "unavailable", 1)).toMatchObject({ kind: "retry" });
    expect(afterFailure(p, "rate_limited", 2)).toEqual({ kind: "retry", delayMs: 180_000 });
  });

  it("fails fast on validation, permission and not_found", () => {
    for (const c of ["validation", "permission", "not_found"] as const) {
      expect(afterFailure(p, c, 1)).toMatchObject({ kind: "dead_letter" });
    }
  });

  it("never retries a conflict: it goes back to a person", () => {
    expect(afterFailure(p, "conflict", 1)).toEqual({ kind: "back_to_approval" });
    const tweaked = mergeRetryPolicy([
      { errorClass: "conflict", maxAttempts: 9, backoffMs: 1, factor: 1, maxBackoffMs: 1 },
    ]);
    expect(afterFailure(tweaked, "conflict", 1)).toEqual({ kind: "back_to_approval" });
  });

  it("caps the backoff", () => {
    expect(
      backoffDelay({ maxAttempts: 10, backoffMs: 1000, factor: 10, maxBackoffMs: 5000 }, 5),
    ).toBe(5000);
  });

  it("admin rows override the defaults; a non-retryable class stays fail-fast", () => {
    const merged = mergeRetryPolicy([
      { errorClass: "timeout", maxAttempts: 2, backoffMs: 100, factor: 1, maxBackoffMs: 100 },
      { errorClass: "validation", maxAttempts: 5, backoffMs: 100, factor: 1, maxBackoffMs: 100 },
      { errorClass: "nonsense", maxAttempts: 5, backoffMs: 100, factor: 1, maxBackoffMs: 100 },
    ]);
    expect(afterFailure(merged, "timeout", 1)).toEqual({ kind: "retry", delayMs: 100 });
    expect(afterFailure(merged, "timeout", 2)).toMatchObject({ kind: "dead_letter" });
    expect(afterFailure(merged, "validation", 1)).toMatchObject({ kind: "dead_letter" });
    expect(Object.keys(merged)).not.toContain("nonsense");
  });
});
