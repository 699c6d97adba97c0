import "server-only";
import { db } from "@/lib/db";
import { lockActionRequest, transitionRequest, type TStatus } from "@/lib/action-requests";
import { requestSubject, writeAuditEvent } from "@/lib/audit";
import { engagedSwitchFor } from "./kill-check";
import { loadForExecution, RUNNABLE } from "./execution-result";

/** Stop calling Salesforce when the org has used this share of its daily API allowance. */
const API_USAGE_CEILING = 0.98;
const API_LIMIT_PAUSE_MS = 15 * 60_000;

/**
 * Step 1 of a try: the guarded claim, in its own short transaction — a move to `executing` that
 * only one worker can win, after the last kill-switch check and the API-usage check; an
 * ExecutionAttempt row.
 */
export async function claimTry(requestId: string, workerId: string) {
  return db.$transaction(async (tx) => {
    await lockActionRequest(tx, requestId);
    const ar = await loadForExecution(tx, requestId);
    if (!ar || !RUNNABLE.includes(ar.status as TStatus)) return { outcome: "skipped" as const };
    const now = new Date();
    if (ar.nextAttemptAt && ar.nextAttemptAt > now) return { outcome: "skipped" as const };
    const from = ar.status as TStatus;
    const sw = await engagedSwitchFor(tx, ar);
    if (sw) {
      if (from === "retrying" || from === "approved" || from === "auto_approved") {
        await transitionRequest(tx, {
          id: requestId,
          from,
          to: "halted",
          actor: { type: "system" },
          reason: `Kill switch (${sw.scope}) engaged: ${sw.reason ?? "no reason given"}`,
          data: { haltedAt: now },
        });
      }
      return { outcome: "halted" as const };
    }
    const env = ar.environment;
    if (
      env.sfApiUsageLimit &&
      env.sfApiUsageUsed != null &&
      env.sfApiUsageUpdatedAt &&
      env.sfApiUsageUpdatedAt.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) &&
      env.sfApiUsageUsed >= env.sfApiUsageLimit * API_USAGE_CEILING
    ) {
      const next = new Date(now.getTime() + API_LIMIT_PAUSE_MS);
      await tx.actionRequest.update({ where: { id: requestId }, data: { nextAttemptAt: next } });
      await writeAuditEvent(tx, {
        actor: { type: "system" },
        action: "execution.postponed",
        ...requestSubject(requestId, ar),
        reasonText: `Salesforce API usage is at ${env.sfApiUsageUsed}/${env.sfApiUsageLimit} today`,
        payload: { nextAttemptAt: next.toISOString(), workerId },
      });
      return { outcome: "postponed" as const, nextAttemptAt: next };
    }
    // Try numbers only ever grow (unique per request): a person's retry starts a fresh budget
    // at attemptsBase instead of resetting them (migration 20261202000600 healed older rows)
    const attempt = ar.attempts + 1;
    await transitionRequest(tx, {
      id: requestId,
      from,
      to: "executing",
      actor: { type: "worker", workerId },
      data: { attempts: attempt, executedAt: now, nextAttemptAt: null, claimFailures: 0 },
      payload: { attempt },
    });
    await tx.executionAttempt.create({
      data: { actionRequestId: requestId, attemptNumber: attempt, workerId },
    });
    return {
      outcome: "claimed" as const,
      attempt,
      interrupted: ar.lastErrorClass === "interrupted",
    };
  });
}
