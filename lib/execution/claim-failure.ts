import "server-only";
import { db } from "@/lib/db";
import { lockActionRequest, type TStatus } from "@/lib/action-requests";
import { requestSubject, writeAuditEvent } from "@/lib/audit";
import { RUNNABLE, type TExecutionResult } from "./execution-result";
import { deadLetter } from "./record-outcome";

/** A request whose claim fails this many times in a row goes to the dead-letter queue. */
const MAX_CLAIM_FAILURES = 3;

/**
 * The claim transaction threw (a database error, a broken row): count it on the request, hold
 * the request back with a growing delay (so neither pg-boss nor the sweep spins on it), and after
 * MAX_CLAIM_FAILURES park it in the dead-letter queue for a person, with the error on record.
 */
export async function recordClaimFailure(
  requestId: string,
  error: unknown,
  workerId: string,
): Promise<TExecutionResult> {
  const message = (error as Error)?.message?.slice(0, 500) ?? String(error);
  console.error(`[execution] claim of ${requestId} failed:`, message);
  return db.$transaction(async (tx) => {
    if (!(await lockActionRequest(tx, requestId))) return { outcome: "skipped" as const };
    const ar = await tx.actionRequest.findUniqueOrThrow({ where: { id: requestId } });
    const from = ar.status as TStatus;
    if (!RUNNABLE.includes(from)) return { outcome: "skipped" as const };
    const failures = ar.claimFailures + 1;
    const err = { errorClass: "internal", code: "CLAIM_FAILED", message };
    if (failures >= MAX_CLAIM_FAILURES) {
      await tx.actionRequest.update({
        where: { id: requestId },
        data: { claimFailures: failures },
      });
      await deadLetter(
        tx,
        requestId,
        from,
        err,
        `its claim failed ${failures} times in a row`,
        { type: "worker", workerId },
        ar.attempts,
      );
      return { outcome: "dead_lettered" as const, detail: message };
    }
    const next = new Date(Date.now() + 2_000 * 4 ** (failures - 1));
    await tx.actionRequest.update({
      where: { id: requestId },
      data: { claimFailures: failures, nextAttemptAt: next },
    });
    await writeAuditEvent(tx, {
      actor: { type: "system" },
      action: "execution.claim_failed",
      ...requestSubject(requestId, ar),
      reasonText: message,
      payload: { failures, nextAttemptAt: next.toISOString(), workerId },
    });
    return { outcome: "claim_failed" as const, nextAttemptAt: next, detail: message };
  });
}
