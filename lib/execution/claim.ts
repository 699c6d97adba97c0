import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import { transitionRequest, transitionRequests, type TStatus } from "@/lib/action-requests";
import { requestSubject, writeAuditEvent } from "@/lib/audit";
import { env as config } from "@/lib/env";
import { switchTarget } from "@/lib/guardrails/write-gate";
import { engagedSwitchFor } from "./kill-check";
import { applyPhaseStops, phaseStops } from "./phase-stop";
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
    // one try at a time per record: a batch's write is unconditional, so no other request on
    // this record may be writing meanwhile (the lock orders claims of one record)
    if (ar.recordId && operationOf(ar) !== "create") {
      await tx.$queryRaw`select pg_advisory_xact_lock(${RECORD_LOCK}, hashtext(${recordKey(ar)}))::text`;
      const [busy] = await tx.$queryRaw<{ id: string }[]>`
        select id from "ActionRequest"
        where "environmentId" = ${ar.environmentId} and object = ${ar.object}
          and left("recordId", 15) = left(${ar.recordId}, 15) and status = 'executing'
          and id <> ${ar.id}
        limit 1`;
      if (busy) return { outcome: "skipped", nextAttemptAt: new Date(now.getTime() + 1_000) };
    }
    const sw = await engagedSwitchFor(tx, ar);
    if (sw) {
      await halt(
        tx,
        ar,
        `Kill switch (${sw.scope}) engaged: ${sw.reason ?? "no reason given"}`,
        now,
      );
      return { outcome: "halted" };
    }
    // the agent was demoted, suspended or retired since this was approved (phase-stop.ts)
    const stops = await phaseStops(tx, [ar.id]);
    if (stops.size) {
      await applyPhaseStops(tx, [{ ...ar, status: ar.status as TStatus }], stops);
      return { outcome: "halted" };
    }
    // a backout's revert writes only while its backout runs: paused, cancelled or done, the
    // claim halts it (a try that failed while the backout ran comes back here as `retrying`)
    const stopped = await stoppedBackout(tx, ar);
    if (stopped) {
      await halt(tx, ar, `Its backout ${stopped.id} is ${stopped.status}`, now);
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
  }, CLAIM_TRANSACTION);
}

/** A batch's claim loads and moves up to 200 requests: more than Prisma's default 5 s. */
const CLAIM_TRANSACTION = { timeout: 30_000 };

/** The advisory-lock class of "a record's claims" (the key: recordKey). */
const RECORD_LOCK = 0x7467_7263; // "tgrc"

/** A record as Salesforce knows it: a 15- and an 18-character id name the same record. */
const recordKey = (ar: { environmentId: string; object: string; recordId: string | null }) =>
  `${ar.environmentId}:${ar.object}:${(ar.recordId ?? "").slice(0, 15)}`;

/**
 * Errors after which a write may or may not have landed: the next try reads and writes alone,
 * with If-Unmodified-Since, so a late commit of the last one is seen as applied, never repeated.
 */
const OUTCOME_UNKNOWN = ["timeout", "unavailable", "interrupted", "internal", "outcome_unknown"];

/** The backout this request belongs to when it is not running (or null). */
async function stoppedBackout(tx: Tx, ar: { backoutId: string | null }) {
  if (!ar.backoutId) return null;
  const b = await tx.backout.findUnique({
    where: { id: ar.backoutId },
    select: { id: true, status: true },
  });
  return b && b.status !== "running" ? b : null;
}

async function halt(tx: Tx, ar: TLoaded, reason: string, now: Date) {
  const from = ar.status as TStatus;
  if (from !== "retrying" && from !== "approved" && from !== "auto_approved") return;
  await transitionRequest(tx, {
    id: ar.id,
    from,
    to: "halted",
    actor: { type: "system" },
    reason,
    data: { haltedAt: now },
  });
}

/**
 * What a request's operation is: its own (a create's revert deletes), else its action type's,
 * else update when it names a record.
 */
export const operationOf = (ar: Pick<TLoaded, "actionType" | "recordId" | "operation">) =>
  ar.operation ?? ar.actionType?.operation ?? (ar.recordId ? "update" : "create");

/**
 * Runnable updates that can share `ar`'s Salesforce call: same environment and object, due,
 * one per record (a call may not name a record twice: 15- and 18-character ids compared as one)
 * and never `ar`'s record nor one another request is writing, no kill switch engaged over them
 * (their own job halts those), not after an error that left the last write's outcome unknown
 * (that try writes alone, conditionally), oldest first; rows another transaction holds are
 * skipped, not waited for. Their queued jobs find them already run and end at once.
 */
async function claimSiblings(tx: Tx, ar: TLoaded): Promise<TLoaded[]> {
  const room = config().TOLLGATE_EXECUTION_BATCH_SIZE - 1;
  if (room < 1 || operationOf(ar) !== "update" || !ar.recordId) return [];
  if (ar.lastErrorClass && OUTCOME_UNKNOWN.includes(ar.lastErrorClass)) return [];
  // a candidate's record lock is only tried (never waited for: no two claims can deadlock), and
  // a record another request is writing (executing) is left alone, as the primary's claim does
  const rows = await tx.$queryRaw<{ id: string }[]>`
    select ar.id from "ActionRequest" ar
    where ar.id in (
      select distinct on (left(c."recordId", 15)) c.id from "ActionRequest" c
      left join "ActionType" t on t.id = c."actionTypeId"
      where c.status in ('approved', 'auto_approved', 'retrying')
        and c."environmentId" = ${ar.environmentId} and c.object = ${ar.object}
        and c."recordId" is not null and c.id <> ${ar.id}
        and left(c."recordId", 15) <> left(${ar.recordId}, 15)
        and (c."nextAttemptAt" is null or c."nextAttemptAt" <= (now() at time zone 'UTC'))
        and coalesce(c.operation, t.operation, 'update') = 'update'
        and (c."backoutId" is null or exists (
          select 1 from "Backout" b where b.id = c."backoutId" and b.status = 'running'))
        and (c."lastErrorClass" is null or c."lastErrorClass" <> all(${OUTCOME_UNKNOWN}))
        and not exists (
          select 1 from "ActionRequest" e
          where e."environmentId" = c."environmentId" and e.object = c.object
            and left(e."recordId", 15) = left(c."recordId", 15) and e.status = 'executing')
        and pg_try_advisory_xact_lock(${RECORD_LOCK},
          hashtext(c."environmentId" || ':' || c.object || ':' || left(c."recordId", 15)))
      order by left(c."recordId", 15), c."createdAt")
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
  // siblings the agent's phase stops are left to their own claim, which halts them
  const stopped = await phaseStops(
    tx,
    rows.map((r) => r.id),
  );
  const loaded = await tx.actionRequest.findMany({
    where: { id: { in: rows.map((r) => r.id).filter((id) => !stopped.has(id)) } },
    include: EXECUTION_INCLUDE,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  // read again under the lock: a row may have moved between the scan and its lock
  return loaded.filter(
    (c) =>
      RUNNABLE.includes(c.status as TStatus) &&
      (!c.nextAttemptAt || c.nextAttemptAt <= now) &&
      recordKey(c) !== recordKey(ar) &&
      operationOf(c) === "update" &&
      !(c.lastErrorClass && OUTCOME_UNKNOWN.includes(c.lastErrorClass)) &&
      !switches.some((k) => {
        // a person's revert is outside its agent's and workflow's switches (switchTarget)
        const t = switchTarget(c);
        return (
          k.scope === "global" ||
          k.environmentId === t.environmentId ||
          (t.agentId !== null && k.agentId === t.agentId) ||
          (t.workflowId !== null && k.workflowId === t.workflowId)
        );
      }),
  );
}
