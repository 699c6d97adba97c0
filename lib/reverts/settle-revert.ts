import "server-only";
import type { Tx } from "@/lib/db";
import { transitionRequest, transitionRequests } from "@/lib/action-requests";
import { writeAuditEvent } from "@/lib/audit";

type TRevert = {
  id: string;
  revertsId: string | null;
  backoutId?: string | null;
  /** "delete": a create's revert, which undoes every field the create set */
  operation?: string | null;
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
 * Which original wrote which field each revert restores: the one it names, or for a backout's
 * revert (one per record) each selected write of each field (BackoutItem.requestIds).
 */
async function undoneWrites(tx: Tx, reverts: TRevert[]) {
  const undone = reverts
    .filter((r) => !r.backoutId && r.operation !== "delete")
    .flatMap((r) =>
      r.fieldChanges.map((f) => ({ revertId: r.id, id: r.revertsId!, field: f.field })),
    );
  const deletes = reverts.filter((r) => r.operation === "delete");
  if (deletes.length) {
    const created = await tx.fieldChange.findMany({
      where: { actionRequestId: { in: deletes.map((r) => r.revertsId!) } },
      select: { actionRequestId: true, field: true },
    });
    for (const f of created) {
      const revertId = deletes.find((r) => r.revertsId === f.actionRequestId)!.id;
      undone.push({ revertId, id: f.actionRequestId, field: f.field });
    }
  }
  const fromBackouts = reverts.filter((r) => r.backoutId).map((r) => r.id);
  if (fromBackouts.length) {
    const items = await tx.$queryRaw<{ revertId: string; id: string; field: string }[]>`
      select i."revertRequestId" as "revertId", unnest(i."requestIds") as id, i.field
      from "BackoutItem" i where i."revertRequestId" = any(${fromBackouts}::text[])`;
    undone.push(...items);
  }
  return undone;
}

/**
 * Revert requests succeeded (inside the execution record step's transaction, one or a batch's
 * many at once): the fields restored are marked on each original, which becomes `reverted` once
 * none of its fields is left, and the Reversal rows they carried out are done. A handful of
 * statements whatever the number.
 */
export async function settleRevertsSucceeded(tx: Tx, all: TRevert[], worker: TWorker, now: Date) {
  const reverts = all.filter((r) => r.revertsId);
  if (!reverts.length) return;
  const undone = await undoneWrites(tx, reverts);
  await tx.$executeRaw`
    update "FieldChange" f set "revertedAt" = ${now}
    from unnest(${undone.map((u) => u.id)}::text[], ${undone.map((u) => u.field)}::text[])
      as v(id, field)
    where f."actionRequestId" = v.id and f.field = v.field and f."revertedAt" is null`;
  // reverted once every field it changed is: a revert that skipped a field leaves the request
  // succeeded, so that field can still be reverted later
  const originals = [...new Set(undone.map((u) => u.id))];
  const done = await tx.$queryRaw<
    { id: string; environmentId: string; object: string; recordId: string | null }[]
  >`
    select r.id, r."environmentId", r.object, r."recordId" from "ActionRequest" r
    where r.id = any(${originals}::text[]) and r.status = 'succeeded'
      and not exists (select 1 from "FieldChange" f
        where f."actionRequestId" = r.id and f."revertedAt" is null)
    order by r.id
    for update`;
  if (done.length) {
    const by = (id: string) => undone.filter((u) => u.id === id);
    await transitionRequests(tx, {
      moves: done.map((o) => {
        const mine = by(o.id);
        const revertRequestId = mine.at(-1)!.revertId;
        return {
          ...o,
          from: "succeeded" as const,
          payload: { revertRequestId, fields: mine.map((u) => u.field) },
        };
      }),
      to: "reverted",
      actor: worker,
      reason: `Reverted by ${reverts.length === 1 ? reverts[0].id : `${reverts.length} revert requests`}`,
    });
  }
  await tx.$executeRaw`
    update "Reversal" set status = 'succeeded', "completedAt" = ${now}
    where detail->>'revertRequestId' = any(${reverts.map((r) => r.id)}::text[])
      and status in ('planned', 'failed')`;
}

/** One revert request succeeded: `settleRevertsSucceeded` for one. */
export function settleRevertSucceeded(tx: Tx, revert: TRevert, worker: TWorker, now: Date) {
  return settleRevertsSucceeded(tx, [revert], worker, now);
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
