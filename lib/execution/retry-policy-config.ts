import "server-only";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError } from "@/lib/core/errors";
import { db, type Tx } from "@/lib/db";
import { DEFAULT_RETRY_POLICY, type TRetryRule } from "./retry-policy";
import {
  TUNABLE_ERROR_CLASSES,
  type TRetryResetInput,
  type TRetryRuleInput,
  type TTunableErrorClass,
} from "./retry-policy-input";

const RULE_KEYS = ["maxAttempts", "backoffMs", "factor", "maxBackoffMs"] as const;
const ruleOf = (r: TRetryRule): TRetryRule => ({
  maxAttempts: r.maxAttempts,
  backoffMs: r.backoffMs,
  factor: r.factor,
  maxBackoffMs: r.maxBackoffMs,
});

function tunable(errorClass: string): TTunableErrorClass {
  if (!(TUNABLE_ERROR_CLASSES as readonly string[]).includes(errorClass)) {
    throw new AppError(
      "invalid_body",
      `${errorClass.replaceAll("_", " ")} errors are never retried: there is no policy to set`,
    );
  }
  return errorClass as TTunableErrorClass;
}

/**
 * The class's saved row, read after a per-class advisory lock (so two admins saving the same
 * class go one after the other), and the stale-form check: the form's `expectedUpdatedAt`
 * must be the row's (null when it showed the default).
 */
async function lockedRow(tx: Tx, errorClass: string, expectedUpdatedAt: string | null) {
  await tx.$executeRaw`select pg_advisory_xact_lock(hashtext(${`tollgate:retry:${errorClass}`}))`;
  const row = await tx.retryPolicy.findUnique({ where: { errorClass } });
  const saved = row ? row.updatedAt.toISOString() : null;
  if (saved !== expectedUpdatedAt) {
    throw new AppError(
      "state_changed",
      "Someone changed this retry policy since you opened it: reload to see theirs",
    );
  }
  return row;
}

/**
 * Save one error class's retry rule. The executor reads the rules at each failed try
 * (`execute.ts`, no cache), so the next retry decided after this commits uses it.
 */
export async function setRetryRule(
  errorClassRaw: string,
  input: TRetryRuleInput,
  actorId: string,
  context?: TRequestContext | null,
) {
  const errorClass = tunable(errorClassRaw);
  return db.$transaction(async (tx) => {
    const row = await lockedRow(tx, errorClass, input.expectedUpdatedAt);
    const from = ruleOf(row ?? DEFAULT_RETRY_POLICY[errorClass]);
    const to: TRetryRule = {
      maxAttempts: input.maxAttempts,
      backoffMs: input.backoffMs,
      factor: input.factor,
      maxBackoffMs: input.maxBackoffMs,
    };
    if (row && RULE_KEYS.every((k) => from[k] === to[k])) return { errorClass, changed: false };
    const saved = await tx.retryPolicy.upsert({
      where: { errorClass },
      create: { errorClass, ...to, updatedById: actorId },
      update: { ...to, updatedById: actorId },
    });
    await writeAuditEvent(tx, {
      action: "retry_policy.updated",
      actor: { type: "user", userId: actorId },
      subjectId: errorClass,
      reasonText: input.reason || null,
      payload: { errorClass, from, to, wasDefault: !row },
      context,
    });
    return { errorClass, changed: true, updatedAt: saved.updatedAt };
  });
}

/** Drop the saved rule: the class goes back to the default (retry-policy.ts). */
export async function resetRetryRule(
  errorClassRaw: string,
  input: TRetryResetInput,
  actorId: string,
  context?: TRequestContext | null,
) {
  const errorClass = tunable(errorClassRaw);
  return db.$transaction(async (tx) => {
    const row = await lockedRow(tx, errorClass, input.expectedUpdatedAt);
    if (!row) throw new AppError("state_changed", "This class already uses the default");
    await tx.retryPolicy.delete({ where: { errorClass } });
    await writeAuditEvent(tx, {
      action: "retry_policy.reset",
      actor: { type: "user", userId: actorId },
      subjectId: errorClass,
      reasonText: input.reason || null,
      payload: { errorClass, from: ruleOf(row), to: ruleOf(DEFAULT_RETRY_POLICY[errorClass]) },
      context,
    });
    return { errorClass, changed: true };
  });
}
