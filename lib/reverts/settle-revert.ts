import "server-only";
import type { Tx } from "@/lib/db";
import { transitionRequest } from "@/lib/action-requests";
import { writeAuditEvent } from "@/lib/audit";

type TRevert = {
  id: string;
  revertsId: string | null;
  backoutId?: string | null;
  environmentId: string;
  object: string;
  recordId: string | null;
  fieldChanges: { field: string }[];
};
type TWorker = { type: "worker"; workerId: string };

/**
 * The Reversal rows (on the originals) that this revert request carries out: succeeded, or a
 * conflict (the failed transition closed them as failed just before: a conflict says more).
 */
async function settleReversals(tx: Tx, revert: TRevert, status: string, now: Date) {
  await tx.$executeRaw`
    update "Reversal" set status = ${status}, "completedAt" = ${now}
    where detail->>'revertRequestId' = ${revert.id} and status in ('planned', 'failed')`;
}

/**
 * Which original wrote which field this revert restores: the one it names, or for a backout's
 * revert (one per record) each selected write of each field (BackoutItem.requestIds).
 */
async function undoneWrites(tx: Tx, revert: TRevert) {
  const fields = revert.fieldChanges.map((f) => f.field);
  if (!revert.backoutId) return fields.map((field) => ({ id: revert.revertsId!, field }));
  const items = await tx.backoutItem.findMany({
    where: { revertRequestId: revert.id },
    select: { field: true, requestIds: true },
  });
  return items.flatMap((i) => i.requestIds.map((id) => ({ id, field: i.field! })));
}

/**
 * A revert request succeeded (inside the execution record step's transaction): the fields
 * restored are marked on each original, which becomes `reverted` once none of its fields is
 * left, and the Reversal rows it carried out are done.
 */
export async function settleRevertSucceeded(tx: Tx, revert: TRevert, worker: TWorker, now: Date) {
  if (!revert.revertsId) return;
  const undone = await undoneWrites(tx, revert);
  await tx.$executeRaw`
    update "FieldChange" f set "revertedAt" = ${now}
    from unnest(${undone.map((u) => u.id)}::text[], ${undone.map((u) => u.field)}::text[])
      as v(id, field)
    where f."actionRequestId" = v.id and f.field = v.field and f."revertedAt" is null`;
  // reverted once every field it changed is: a revert that skipped a field leaves the request
  // succeeded, so that field can still be reverted later
  const originals = [...new Set(undone.map((u) => u.id))];
  const done = await tx.$queryRaw<{ id: string }[]>`
    select r.id from "ActionRequest" r
    where r.id = any(${originals}::text[]) and r.status = 'succeeded'
      and not exists (select 1 from "FieldChange" f
        where f."actionRequestId" = r.id and f."revertedAt" is null)
    order by r.id`;
  for (const { id } of done) {
    await transitionRequest(tx, {
      id,
      from: "succeeded",
      to: "reverted",
      actor: worker,
      reason: `Reverted by ${revert.id}`,
      payload: {
        revertRequestId: revert.id,
        fields: undone.filter((u) => u.id === id).map((u) => u.field),
      },
    });
  }
  await settleReversals(tx, revert, "succeeded", now);
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
  await settleReversals(tx, revert, "conflict", now);
}
