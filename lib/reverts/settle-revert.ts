import "server-only";
import type { Tx } from "@/lib/db";
import { transitionRequest } from "@/lib/action-requests";
import { writeAuditEvent } from "@/lib/audit";

type TRevert = {
  id: string;
  revertsId: string | null;
  environmentId: string;
  object: string;
  recordId: string | null;
  fieldChanges: { field: string }[];
};
type TWorker = { type: "worker"; workerId: string };

/** The Reversal row (on the original) that this revert request carries out. */
async function reversalOf(tx: Tx, revert: TRevert) {
  return tx.reversal.findFirst({
    where: {
      actionRequestId: revert.revertsId!,
      detail: { path: ["revertRequestId"], equals: revert.id },
    },
    select: { id: true },
  });
}

/**
 * A revert request succeeded (inside the execution record step's transaction): the fields
 * restored are marked on the original, which becomes `reverted` once none is left, and its
 * Reversal row is done.
 */
export async function settleRevertSucceeded(tx: Tx, revert: TRevert, worker: TWorker, now: Date) {
  if (!revert.revertsId) return;
  const fields = revert.fieldChanges.map((f) => f.field);
  await tx.fieldChange.updateMany({
    where: { actionRequestId: revert.revertsId, field: { in: fields }, revertedAt: null },
    data: { revertedAt: now },
  });
  // reverted once every field it changed is: a revert that skipped a field leaves the request
  // succeeded, so that field can still be reverted later
  const left = await tx.fieldChange.count({
    where: { actionRequestId: revert.revertsId, revertedAt: null },
  });
  if (left === 0) {
    await transitionRequest(tx, {
      id: revert.revertsId,
      from: "succeeded",
      to: "reverted",
      actor: worker,
      reason: `Reverted by ${revert.id}`,
      payload: { revertRequestId: revert.id, fields },
    });
  }
  const reversal = await reversalOf(tx, revert);
  if (reversal) {
    await tx.reversal.update({
      where: { id: reversal.id },
      data: { status: "succeeded", completedAt: now },
    });
  }
}

/**
 * A revert request found a field changed after its plan (someone edited the record since): it
 * fails — nothing is overwritten, and it does not go back to an approver who could approve the
 * newer value away. A person plans a new revert, which shows the conflict to resolve.
 */
export async function settleRevertConflict(
  tx: Tx,
  revert: TRevert,
  attempt: number,
  current: Record<string, unknown> | null,
  message: string,
  worker: TWorker,
  now: Date,
) {
  await transitionRequest(tx, {
    id: revert.id,
    from: "executing",
    to: "failed",
    actor: worker,
    reason: message,
    data: {
      completedAt: now,
      lastErrorClass: "conflict",
      lastErrorCode: "CHANGED_SINCE_REVERT_PLANNED",
      lastErrorMessage: message,
    },
  });
  await writeAuditEvent(tx, {
    action: "action_request.revert_conflicted",
    actor: { type: "system" },
    subjectId: revert.id,
    environmentId: revert.environmentId,
    object: revert.object,
    recordId: revert.recordId,
    reasonText: message,
    payload: {
      reverts: revert.revertsId ?? "",
      attempt,
      currentValues: current,
      workerId: worker.workerId,
    },
  });
  if (!revert.revertsId) return;
  const reversal = await reversalOf(tx, revert);
  if (reversal) {
    await tx.reversal.update({
      where: { id: reversal.id },
      data: { status: "conflict", completedAt: now },
    });
  }
}
