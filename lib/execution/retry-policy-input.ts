import { z } from "zod";

/** The error classes a person may tune: the ones execution retries (retry-policy.ts RETRYABLE). */
export const TUNABLE_ERROR_CLASSES = [
  "timeout",
  "unavailable",
  "rate_limited",
  "session_expired",
] as const;
export type TTunableErrorClass = (typeof TUNABLE_ERROR_CLASSES)[number];

const MAX_WAIT_MS = 86_400_000;

/**
 * One error class's retry rule as an admin saves it (form and route). `maxAttempts` counts
 * tries in all (0 or 1: never retried, the first failure is dead-lettered); the wait before
 * try n+1 is backoffMs · factor^(n-1), capped at maxBackoffMs. `expectedUpdatedAt` is the
 * saved row's updatedAt the form read (null: it showed the default), so an edit made by
 * someone else meanwhile is refused rather than overwritten.
 */
export const ZRetryRuleInput = z
  .strictObject({
    maxAttempts: z.int("a whole number").min(0, "at least 0").max(20, "at most 20"),
    backoffMs: z
      .int("a whole number of milliseconds")
      .min(100, "at least 100 ms")
      .max(MAX_WAIT_MS, "at most a day"),
    factor: z.number().min(1, "at least 1").max(10, "at most 10"),
    maxBackoffMs: z.int("a whole number of milliseconds").max(MAX_WAIT_MS, "at most a day"),
    expectedUpdatedAt: z.iso.datetime().nullable(),
    reason: z.string().trim().max(500).optional(),
  })
  .refine((r) => r.maxBackoffMs >= r.backoffMs, {
    path: ["maxBackoffMs"],
    error: "must be at least the first wait",
  });
export type TRetryRuleInput = z.infer<typeof ZRetryRuleInput>;

/** Back to the default: the same stale-form check. */
export const ZRetryResetInput = z.strictObject({
  expectedUpdatedAt: z.iso.datetime().nullable(),
  reason: z.string().trim().max(500).optional(),
});
export type TRetryResetInput = z.infer<typeof ZRetryResetInput>;
