import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import { transitionRequest, transitionRequests, type TStatus } from "@/lib/action-requests";
import { requestSubject, writeAuditEvent } from "@/lib/audit";
import { env as config } from "@/lib/env";
import { engagedSwitchFor } from "./kill-check";
import { EXECUTION_INCLUDE, loadForExecution, RUNNABLE, type TLoaded } from "./execution-result";
import { leaseUntilSql, newLeaseHolder } from "./lease";

/** Stop calling Salesforce when the org has used this share of its daily API allowance. */
const API_USAGE_CEILING = 0.98;
const API_LIMIT_PAUSE_MS = 15 * 60_000;

/** One claimed try: the request as the try reads it, its try number, whether a worker died in the last one. */
export type TClaimedTry = { ar: TLoaded; attempt: number; interrupted: boolean };

export type TClaim =
  | { outcome: "claimed"; holder: string; tries: TClaimedTry[] }
  | { outcome: "skipped"; nextAttemptAt?: Date }
  | { outcome: "halted" }
  | { outcome: "postponed"; nextAttemptAt: Date };

/**
 * Step 1 of a try: the guarded claim, in its own short transaction — a move to `executing` that
 * only one worker can win, after the last kill-switch check and the API-usage check; an
 * ExecutionAttempt row; a lease on the row for this claim (`lease.ts`). An update claims with
 * it other runnable updates of the same object in the same environment, up to
 * TOLLGATE_EXECUTION_BATCH_SIZE in all, which this try writes in one Salesforce call
 * (`write-batch.ts`); each is a try of its own request, recorded on it.
 */
export async function claimTry(requestId: string, workerId: string): Promise<TClaim> {
  // a job whose request already ran ends here, without a transaction
  const [seen] = await db.$queryRaw<{ status: TStatus }[]>`
    select status::text as status from "ActionRequest" where id = ${requestId}`;
  if (!seen || !RUNNABLE.includes(seen.status)) return { outcome: "skipped" };
  return db.$transaction(async (tx): Promise<TClaim> => {
    // a row someone holds is being acted on (a claim, a decision, a batch being recorded); they
    // queue whatever comes next, and the sweep re-queues runnable work nobody queued
    const [free] = await tx.$queryRaw<{ id: string }[]>`
      select id from "ActionRequest" where id = ${requestId} for update skip locked`;
    if (!free) return { outcome: "skipped" };
    const ar = await loadForExecution(tx, requestId);
    if (!ar || !RUNNABLE.includes(ar.status as TStatus)) return { outcome: "skipped" };
    const now = new Date();
    // not due yet: the job came early; it runs again when due
    if (ar.nextAttemptAt && ar.nextAttemptAt > now)
      return { outcome: "skipped", nextAttemptAt: ar.nextAttemptAt };
    const sw = await engagedSwitchFor(tx, ar);
    if (sw) {
      await halt(tx, ar, sw, now);
      return { outcome: "halted" };
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
      return { outcome: "postponed", nextAttemptAt: next };
    }
    const holder = newLeaseHolder(workerId);
    const claimed = [ar, ...(await claimSiblings(tx, ar))];
    // Try numbers only ever grow (unique per request): a person's retry starts a fresh budget
    // at attemptsBase instead of resetting them (migration 20261202000600 healed older rows)
    await transitionRequests(tx, {
      moves: claimed.map((c) => ({
        id: c.id,
        from: c.status as TStatus,
        environmentId: c.environmentId,
        object: c.object,
        recordId: c.recordId,
        payload: { attempt: c.attempts + 1 },
      })),
      to: "executing",
      actor: { type: "worker", workerId },
      set: Prisma.sql`attempts = attempts + 1, "executedAt" = ${now}, "nextAttemptAt" = null,
        "claimFailures" = 0, "leaseHolder" = ${holder}, "leaseUntil" = ${leaseUntilSql()}`,
    });
    const tries = claimed.map((c) => ({
      ar: c,
      attempt: c.attempts + 1,
      interrupted: c.lastErrorClass === "interrupted",
    }));
    await tx.executionAttempt.createMany({
      data: tries.map((t) => ({ actionRequestId: t.ar.id, attemptNumber: t.attempt, workerId })),
    });
    return { outcome: "claimed", holder, tries };
  });
}

async function halt(tx: Tx, ar: TLoaded, sw: { scope: string; reason: string | null }, now: Date) {
  const from = ar.status as TStatus;
  if (from !== "retrying" && from !== "approved" && from !== "auto_approved") return;
  await transitionRequest(tx, {
    id: ar.id,
    from,
    to: "halted",
    actor: { type: "system" },
    reason: `Kill switch (${sw.scope}) engaged: ${sw.reason ?? "no reason given"}`,
    data: { haltedAt: now },
  });
}

/** What a request's operation is: its action type's, else update when it names a record. */
export const operationOf = (ar: Pick<TLoaded, "actionType" | "recordId">) =>
  ar.actionType?.operation ?? (ar.recordId ? "update" : "create");

/**
 * Runnable updates that can share `ar`'s Salesforce call: same environment and object, due,
 * one per record (a call may not name a record twice) and never `ar`'s record, no kill switch
 * engaged over them (their own job halts those), oldest first; rows another transaction holds
 * are skipped, not waited for. Their queued jobs find them already run and end at once.
 */
async function claimSiblings(tx: Tx, ar: TLoaded): Promise<TLoaded[]> {
  const room = config().TOLLGATE_EXECUTION_BATCH_SIZE - 1;
  if (room < 1 || operationOf(ar) !== "update" || !ar.recordId) return [];
  const rows = await tx.$queryRaw<{ id: string }[]>`
    select ar.id from "ActionRequest" ar
    where ar.id in (
      select distinct on (c."recordId") c.id from "ActionRequest" c
      left join "ActionType" t on t.id = c."actionTypeId"
      where c.status in ('approved', 'auto_approved', 'retrying')
        and c."environmentId" = ${ar.environmentId} and c.object = ${ar.object}
        and c."recordId" is not null and c."recordId" <> ${ar.recordId} and c.id <> ${ar.id}
        and (c."nextAttemptAt" is null or c."nextAttemptAt" <= now())
        and coalesce(t.operation, 'update') = 'update'
      order by c."recordId", c."createdAt")
    order by ar."createdAt", ar.id
    limit ${room}
    for update of ar skip locked`;
  if (!rows.length) return [];
  const switches = await tx.$queryRaw<
    {
      scope: string;
      environmentId: string | null;
      agentId: string | null;
      workflowId: string | null;
    }[]
  >`select scope::text, "environmentId", "agentId", "workflowId" from "KillSwitch" where engaged`;
  const now = new Date();
  const loaded = await tx.actionRequest.findMany({
    where: { id: { in: rows.map((r) => r.id) } },
    include: EXECUTION_INCLUDE,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  // read again under the lock: a row may have moved between the scan and its lock
  return loaded.filter(
    (c) =>
      RUNNABLE.includes(c.status as TStatus) &&
      (!c.nextAttemptAt || c.nextAttemptAt <= now) &&
      c.recordId !== ar.recordId &&
      operationOf(c) === "update" &&
      !switches.some(
        (k) =>
          k.scope === "global" ||
          k.environmentId === c.environmentId ||
          k.agentId === c.agentId ||
          (k.workflowId && k.workflowId === c.workflowVersion?.workflowId),
      ),
  );
}
