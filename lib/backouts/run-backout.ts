import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import { can, type TCurrentUser } from "@/lib/auth";
import { auditEvent, writeAuditEvent, writeAuditEvents, type TRequestContext } from "@/lib/audit";
import { transitionRequests } from "@/lib/action-requests";
import { AppError, notFound } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { enqueueAfterCommit } from "@/lib/execution/queue";
import { OPEN_REVERT_STATUSES } from "@/lib/reverts/plan-revert";
import { engagedSwitchFor } from "@/lib/execution/kill-check";

/** A plan older than this is not started: Salesforce may have moved on; plan again. */
export const PLAN_FRESH_MS = 60 * 60_000;
/** Records (one revert request each) queued per step of the job. */
const RECORDS_PER_STEP = 400;
/** Reverts of one backout waiting for or in execution before the job queues more. */
const MAX_IN_FLIGHT = 1_200;

export type TBackoutStatus = "planned" | "running" | "paused" | "done" | "cancelled";

const IN_FLIGHT = ["approved", "executing", "retrying"] as const;

async function lockBackout(tx: Tx, id: string) {
  const [row] = await tx.$queryRaw<
    {
      id: string;
      status: TBackoutStatus;
      createdById: string;
      startedById: string | null;
      plannedAt: Date;
      environmentId: string;
      restorable: number;
    }[]
  >`select id, status, "createdById", "startedById", "plannedAt", "environmentId", restorable
    from "Backout" where id = ${id} for update`;
  if (!row) throw notFound("Backout");
  return row;
}

const refuse = (status: string, wanted: string) =>
  new AppError("state_changed", `The backout is ${status}, not ${wanted}`);

/** The reverts of a backout in these statuses, as transition moves. */
async function revertsIn(tx: Tx, backoutId: string, statuses: readonly string[]) {
  return tx.$queryRaw<
    { id: string; status: string; environmentId: string; object: string; recordId: string }[]
  >`select id, status::text as status, "environmentId", object, "recordId"
    from "ActionRequest" where "backoutId" = ${backoutId} and status::text = any(${[...statuses]})
    order by id for update`;
}

/**
 * The owner of an agent whose writes the backout undoes does not approve it (as they may not
 * approve a single revert of a write under a rule that keeps owners out: decide.ts).
 */
async function refuseAgentOwner(
  tx: Tx,
  id: string,
  user: TCurrentUser,
  what = "someone else approves it",
) {
  const [owned] = await tx.$queryRaw<{ slug: string }[]>`
    select a.slug from "Agent" a
    where a."ownerId" = ${user.id} and exists (
      select 1 from "BackoutItem" i join "ActionRequest" r on r.id = any(i."requestIds")
      where i."backoutId" = ${id} and i.state = 'restorable' and r."agentId" = a.id)
    limit 1`;
  if (owned) {
    throw new AppError(
      "separation_of_duties",
      `You own ${owned.slug}, whose writes this backout undoes: ${what}`,
    );
  }
}

/**
 * Start a planned backout: a second person (never its planner) approves every revert in it at
 * once. The job then queues one revert request per record, a few hundred at a time, which the
 * worker writes in composite batches.
 */
/**
 * Who may pause or cancel a backout: whoever may plan one (`requests:revert`) or start one
 * (`backouts:start`) — a risk owner who started it can also stop it.
 */
export const mayStopBackouts = (roles: TCurrentUser["roles"]) =>
  can(roles, "requests:revert") || can(roles, "backouts:start");

export async function startBackout(
  user: TCurrentUser,
  id: string,
  context?: TRequestContext | null,
) {
  if (!can(user.roles, "backouts:start"))
    throw new AppError("forbidden", "Your role cannot start a backout");
  return db.$transaction(async (tx) => {
    const b = await lockBackout(tx, id);
    if (b.status !== "planned") throw refuse(b.status, "planned");
    if (b.createdById === user.id) {
      throw new AppError(
        "separation_of_duties",
        "You planned this backout: another person with the right role starts it",
      );
    }
    if (Date.now() - b.plannedAt.getTime() > PLAN_FRESH_MS) {
      throw new AppError(
        "state_changed",
        "The dry run is more than an hour old: Salesforce may have changed since. Run it again",
      );
    }
    if (!b.restorable) throw new AppError("not_revertible", "Nothing in this plan is restorable");
    await refuseAgentOwner(tx, id, user);
    const now = new Date();
    await tx.backout.update({
      where: { id },
      data: { status: "running", startedById: user.id, startedAt: now },
    });
    await writeAuditEvent(tx, {
      action: "backout.started",
      actor: { type: "user", userId: user.id },
      subjectId: id,
      environmentId: b.environmentId,
      payload: { restorable: b.restorable },
      context,
    });
    return { id, status: "running" as const };
  });
}

/**
 * Pause: no more reverts are queued, and those queued and not yet claimed are halted (a try
 * already writing finishes). Resume puts them back.
 */
export async function pauseBackout(
  user: TCurrentUser,
  id: string,
  context?: TRequestContext | null,
) {
  if (!mayStopBackouts(user.roles))
    throw new AppError("forbidden", "Your role cannot pause a backout");
  return db.$transaction(async (tx) => {
    const b = await lockBackout(tx, id);
    if (b.status !== "running") throw refuse(b.status, "running");
    const queued = await revertsIn(tx, id, ["approved", "retrying"]);
    const now = new Date();
    if (queued.length) {
      await transitionRequests(tx, {
        moves: queued.map((r) => ({ ...r, from: r.status as "approved" })),
        to: "halted",
        actor: { type: "user", userId: user.id },
        reason: "Its backout was paused",
        set: Prisma.sql`"haltedAt" = ${now}`,
      });
    }
    await tx.backout.update({ where: { id }, data: { status: "paused", pausedAt: now } });
    await writeAuditEvent(tx, {
      action: "backout.paused",
      actor: { type: "user", userId: user.id },
      subjectId: id,
      environmentId: b.environmentId,
      payload: { halted: queued.length },
      context,
    });
    return { id, status: "paused" as const, halted: queued.length };
  });
}

export async function resumeBackout(
  user: TCurrentUser,
  id: string,
  context?: TRequestContext | null,
) {
  if (!can(user.roles, "backouts:start"))
    throw new AppError("forbidden", "Your role cannot resume a backout");
  const resumed = await db.$transaction(async (tx) => {
    const b = await lockBackout(tx, id);
    if (b.status !== "paused") throw refuse(b.status, "paused");
    if (b.createdById === user.id) {
      throw new AppError(
        "separation_of_duties",
        "You planned this backout: another person with the right role resumes it",
      );
    }
    // as at the start: a resume decides on the dry run's figures again, so they must be fresh
    if (Date.now() - b.plannedAt.getTime() > PLAN_FRESH_MS) {
      throw new AppError(
        "state_changed",
        "The dry run is more than an hour old: Salesforce may have changed since. Cancel this backout and run the dry run again (what it restored stays restored)",
      );
    }
    await refuseAgentOwner(tx, id, user);
    // only what the pause halted: a revert an engaged global or environment switch covers
    // stays halted (resuming that is an admin's, after the reset — as for any halted work)
    const candidates = await revertsIn(tx, id, ["halted"]);
    const halted = [];
    for (const r of candidates) {
      const full = await tx.actionRequest.findUniqueOrThrow({
        where: { id: r.id },
        select: {
          environmentId: true,
          agentId: true,
          requestedById: true,
          workflowVersion: { select: { workflowId: true } },
        },
      });
      if (!(await engagedSwitchFor(tx, full))) halted.push(r);
    }
    if (halted.length) {
      // the resume is a second person's decision again: the reverts' approval is as of now, so
      // a pause longer than a field's freshness SLA does not fail them as stale
      await transitionRequests(tx, {
        moves: halted.map((r) => ({ ...r, from: "halted" as const })),
        to: "approved",
        actor: { type: "user", userId: user.id },
        reason: "Its backout was resumed",
        set: Prisma.sql`"haltedAt" = null, "nextAttemptAt" = null, "decidedAt" = ${new Date()}`,
      });
    }
    await tx.backout.update({ where: { id }, data: { status: "running", pausedAt: null } });
    await writeAuditEvent(tx, {
      action: "backout.resumed",
      actor: { type: "user", userId: user.id },
      subjectId: id,
      environmentId: b.environmentId,
      payload: { resumed: halted.length },
      context,
    });
    return halted.map((h) => h.id);
  });
  // the enqueue-due job would find them within a second; this is only sooner
  for (const r of resumed) void enqueueAfterCommit(r);
  return { id, status: "running" as const, resumed: resumed.length };
}

/**
 * Cancel a planned backout, or a paused one: its halted reverts are discarded (what was written
 * stays written — a backout is not undone by cancelling it).
 */
export async function cancelBackout(
  user: TCurrentUser,
  id: string,
  context?: TRequestContext | null,
) {
  if (!mayStopBackouts(user.roles))
    throw new AppError("forbidden", "Your role cannot cancel a backout");
  return db.$transaction(async (tx) => {
    const b = await lockBackout(tx, id);
    if (b.status !== "planned" && b.status !== "paused") {
      throw new AppError(
        "state_changed",
        `The backout is ${b.status}: only a planned or paused backout can be cancelled${b.status === "running" ? " (pause it first)" : ""}`,
      );
    }
    // the owner of an agent whose writes it undoes does not call off another person's backout
    // (pausing stays open to them: it only stops writes)
    if (b.createdById !== user.id) await refuseAgentOwner(tx, id, user, "someone else cancels it");
    const who = { type: "user" as const, userId: user.id };
    const reason = "Its backout was cancelled";
    const now = new Date();
    // every revert not finished ends (one writing now finishes: its call is in flight):
    // queued ones by way of halted, as the state machine has them
    const queued = await revertsIn(tx, id, ["approved", "retrying"]);
    if (queued.length) {
      await transitionRequests(tx, {
        moves: queued.map((r) => ({ ...r, from: r.status as "approved" })),
        to: "halted",
        actor: who,
        reason,
        set: Prisma.sql`"haltedAt" = ${now}`,
      });
    }
    // (a dead-lettered one stays in the dead-letter queue to be discarded there: it can no
    // longer be retried, its backout not running)
    const halted = await revertsIn(tx, id, ["halted"]);
    if (halted.length) {
      await transitionRequests(tx, {
        moves: halted.map((r) => ({ ...r, from: "halted" as const })),
        to: "discarded",
        actor: who,
        reason,
        set: Prisma.sql`"completedAt" = ${now}`,
      });
    }
    const waiting = await revertsIn(tx, id, ["pending_approval"]);
    if (waiting.length) {
      await transitionRequests(tx, {
        moves: waiting.map((r) => ({ ...r, from: "pending_approval" as const })),
        to: "denied",
        actor: who,
        reason,
        set: Prisma.sql`"decidedAt" = ${now}, "completedAt" = ${now}`,
      });
    }
    await tx.backout.update({
      where: { id },
      data: { status: "cancelled", finishedAt: new Date() },
    });
    await writeAuditEvent(tx, {
      action: "backout.cancelled",
      actor: { type: "user", userId: user.id },
      subjectId: id,
      environmentId: b.environmentId,
      payload: { discarded: halted.length },
      context,
    });
    return { id, status: "cancelled" as const, discarded: halted.length };
  });
}

type TItemRow = {
  id: string;
  object: string;
  recordId: string;
  field: string;
  before: unknown;
  written: unknown;
  requestIds: string[];
};

/**
 * One step of one running backout (the `backouts` job), in one transaction holding the
 * backout's row: queue the next records' reverts — one revert request per record, approved
 * with the backout, its fields restoring the value before the selection's first write and
 * checked at the write against what its last wrote — unless enough are in flight already;
 * finish the backout once nothing is left to queue or running. Every step's state is in the
 * database, so a worker killed mid-way loses nothing: the next step (another worker's) goes on
 * where the last commit left it, and the executor's own recovery finishes the tries in flight.
 */
async function advanceOne(id: string): Promise<{ queued: string[]; finished: boolean }> {
  return db.$transaction(
    async (tx) => {
      const [b] = await tx.$queryRaw<
        {
          id: string;
          status: string;
          environmentId: string;
          createdById: string;
          startedById: string;
          reason: string;
        }[]
      >`select id, status, "environmentId", "createdById", "startedById", reason
        from "Backout" where id = ${id} for update skip locked`;
      if (!b || b.status !== "running") return { queued: [], finished: false };
      const [{ inFlight, halted }] = await tx.$queryRaw<{ inFlight: number; halted: number }[]>`
        select count(*) filter (where status::text = any(${[...IN_FLIGHT]}))::int as "inFlight",
          count(*) filter (where status in ('halted', 'pending_approval', 'dead_lettered'))::int
            as halted
        from "ActionRequest" where "backoutId" = ${id}`;
      // halted ones count too: under an engaged switch the backout stalls at its window instead
      // of queueing every record only to have each halted at its claim
      const room = Math.max(0, MAX_IN_FLIGHT - inFlight - halted);
      const records = room
        ? await tx.$queryRaw<{ object: string; recordId: string }[]>`
            select object, left("recordId", 15) as "recordId" from "BackoutItem"
            where "backoutId" = ${id} and state = 'restorable' and "revertRequestId" is null
            group by 1, 2 order by 1, 2
            limit ${Math.min(RECORDS_PER_STEP, room)}`
        : [];
      if (!records.length) {
        if (room && inFlight === 0 && halted === 0) {
          await finish(tx, b);
          return { queued: [], finished: true };
        }
        return { queued: [], finished: false };
      }
      const items = await tx.$queryRaw<TItemRow[]>`
        select i.id, i.object, i."recordId", i.field, i.before, i.written, i."requestIds"
        from "BackoutItem" i
        join unnest(${records.map((r) => r.object)}::text[], ${records.map((r) => r.recordId)}::text[])
          as v(object, rec) on i.object = v.object and left(i."recordId", 15) = v.rec
        where i."backoutId" = ${id} and i.state = 'restorable' and i."revertRequestId" is null
        order by i.object, i."recordId", i.field
        for update of i`;
      const queued = await queueReverts(tx, b, items);
      return { queued, finished: false };
    },
    { timeout: 60_000, maxWait: 15_000 },
  );
}

/**
 * The revert requests for these items (grouped by record), created approved: fields, approval
 * (the person who started the backout), one Reversal per original, the items linked, one audit
 * event each. An original that changed since the plan (reverted meanwhile, or a revert of it
 * opened) is left out, its items marked so.
 */
async function queueReverts(
  tx: Tx,
  b: {
    id: string;
    environmentId: string;
    createdById: string;
    startedById: string;
    reason: string;
  },
  items: TItemRow[],
) {
  const originals = [...new Set(items.flatMap((i) => i.requestIds))];
  // the originals, locked as a single revert locks its original (lockActionRequest): no
  // revert of one can open while its backout revert is created, nor the other way round
  const rows = await tx.$queryRaw<
    {
      id: string;
      status: string;
      agentId: string;
      workflowVersionId: string | null;
      actionTypeId: string | null;
      accountId: string | null;
      system: string;
      decisionRule: string | null;
      riskScore: number;
      recordSummary: unknown;
      openRevert: boolean;
    }[]
  >`select r.id, r.status::text as status, r."agentId", r."workflowVersionId", r."actionTypeId",
      r."accountId", r.system, r."decisionRule", r."riskScore", r."recordSummary",
      exists (select 1 from "Reversal" v join "ActionRequest" o
        on o.id = v.detail->>'revertRequestId'
        where v."actionRequestId" = r.id and v.status = 'planned'
          and o.status::text = any(${[...OPEN_REVERT_STATUSES]})) as "openRevert"
    from "ActionRequest" r where r.id = any(${originals}) order by r.id for update of r`;
  const original = new Map(rows.map((r) => [r.id, r]));
  const reverted = await tx.$queryRaw<{ actionRequestId: string; field: string }[]>`
    select "actionRequestId", field from "FieldChange"
    where "actionRequestId" = any(${originals}) and "revertedAt" is not null`;
  const revertedField = new Set(reverted.map((r) => `${r.actionRequestId}|${r.field}`));
  const stale = (i: TItemRow) =>
    i.requestIds.some((r) => {
      const o = original.get(r);
      return !o || o.status !== "succeeded" || o.openRevert || revertedField.has(`${r}|${i.field}`);
    });
  const staleIds = items.filter(stale).map((i) => i.id);
  if (staleIds.length) {
    await tx.$executeRaw`
      update "BackoutItem" set state = 'changed_since_plan',
        note = 'The write changed after the dry run (reverted, or a revert of it opened)'
      where id = any(${staleIds})`;
    const staleItems = items.filter((i) => staleIds.includes(i.id));
    await writeAuditEvent(tx, {
      action: "backout.items_changed",
      actor: { type: "system" },
      subjectId: b.id,
      environmentId: b.environmentId,
      payload: {
        items: staleIds.length,
        requestIds: [...new Set(staleItems.flatMap((i) => i.requestIds))].sort(),
      },
    });
  }
  const byRecord = new Map<string, TItemRow[]>();
  for (const i of items) {
    if (staleIds.includes(i.id)) continue;
    // one record whether named by its 15- or 18-character id (the plan matches on 15)
    const k = `${i.object}|${i.recordId.slice(0, 15)}`;
    byRecord.set(k, [...(byRecord.get(k) ?? []), i]);
  }
  const now = new Date();
  const requests: Prisma.ActionRequestCreateManyInput[] = [];
  const fields: Prisma.FieldChangeCreateManyInput[] = [];
  const approvals: Prisma.ApprovalCreateManyInput[] = [];
  const reversals: Prisma.ReversalCreateManyInput[] = [];
  const links: { itemIds: string[]; revertId: string }[] = [];
  const events = [];
  for (const group of byRecord.values()) {
    const ids = [...new Set(group.flatMap((i) => i.requestIds))];
    // the record's latest selected write is the one the revert names
    const last = original.get(group.flatMap((i) => i.requestIds).at(-1)!)!;
    const revertId = prefixedId("ar");
    const { object, recordId } = group[0];
    requests.push({
      id: revertId,
      agentId: last.agentId,
      environmentId: b.environmentId,
      workflowVersionId: last.workflowVersionId,
      actionTypeId: last.actionTypeId,
      idempotencyKey: `revert:${revertId}`,
      bodyHash: "",
      system: last.system,
      object,
      recordId,
      accountId: last.accountId,
      status: "approved",
      decisionOutcome: "approved",
      decisionMode: "human_in_the_loop",
      decisionRule: `backout/${b.id}`,
      decisionReasons: [`Part of backout ${b.id}: ${ids.length} write(s) of this record undone`],
      requiredApprovals: 1,
      reasonCode: "revert",
      reasonText: b.reason,
      evidence: [{ kind: "backout", backoutId: b.id, requestIds: ids }],
      before: Object.fromEntries(group.map((i) => [i.field, i.written])) as Prisma.InputJsonValue,
      recordSummary: (last.recordSummary ?? undefined) as Prisma.InputJsonValue | undefined,
      decidedAt: now,
      revertsId: last.id,
      requestedById: b.createdById,
      backoutId: b.id,
      riskScore: last.riskScore,
      createdAt: now,
    });
    for (const i of group) {
      fields.push({
        actionRequestId: revertId,
        field: i.field,
        // what the write checks Salesforce still holds: what the selection's last write wrote
        oldValue: (i.written ?? Prisma.JsonNull) as Prisma.InputJsonValue,
        newValue: (i.before ?? Prisma.JsonNull) as Prisma.InputJsonValue,
      });
    }
    approvals.push({
      actionRequestId: revertId,
      approverId: b.startedById,
      decision: "approved",
      reason: `Started backout ${b.id}`,
    });
    for (const o of ids) {
      reversals.push({
        actionRequestId: o,
        requestedById: b.createdById,
        reason: b.reason,
        batchId: b.id,
        status: "planned",
        detail: {
          revertRequestId: revertId,
          backoutId: b.id,
          fields: group.filter((i) => i.requestIds.includes(o)).map((i) => i.field),
        },
      });
    }
    links.push({ itemIds: group.map((i) => i.id), revertId });
    events.push(
      auditEvent({
        action: "action_request.revert_requested",
        actor: { type: "user", userId: b.createdById },
        subjectId: revertId,
        environmentId: b.environmentId,
        object,
        recordId,
        reasonCode: "revert",
        reasonText: b.reason,
        payload: {
          reverts: last.id,
          fields: group.map((i) => ({
            field: i.field,
            from: i.written,
            to: i.before,
            resolution: "restore" as const,
          })),
          skipped: [],
          overwriteReason: null,
          approverRole: null,
          requiredApprovals: 1,
          backoutId: b.id,
          approvedById: b.startedById,
        },
      }),
    );
  }
  if (!requests.length) return [];
  await tx.actionRequest.createMany({ data: requests });
  await tx.fieldChange.createMany({ data: fields });
  await tx.approval.createMany({ data: approvals });
  await tx.reversal.createMany({ data: reversals });
  await tx.$executeRaw`
    update "BackoutItem" i set "revertRequestId" = v.revert
    from (select unnest(${links.flatMap((l) => l.itemIds)}::text[]) as item,
      unnest(${links.flatMap((l) => l.itemIds.map(() => l.revertId))}::text[]) as revert) v
    where i.id = v.item`;
  await writeAuditEvents(tx, events);
  return requests.map((r) => r.id);
}

async function finish(tx: Tx, b: { id: string; environmentId: string; startedById: string }) {
  const p = await progressIn(tx, b.id);
  await tx.backout.update({
    where: { id: b.id },
    data: { status: "done", finishedAt: new Date() },
  });
  await writeAuditEvent(tx, {
    action: "backout.completed",
    actor: { type: "system" },
    subjectId: b.id,
    environmentId: b.environmentId,
    payload: { restored: p.done, conflicts: p.conflicts, failed: p.failed },
  });
}

export type TBackoutProgress = {
  /** fields the plan restores */
  restorable: number;
  /** restored */
  done: number;
  /** found changed at the write: nothing overwritten (plus those changed since the plan) */
  conflicts: number;
  /** failed for another reason, dead-lettered or discarded */
  failed: number;
  /** queued or being written */
  inFlight: number;
  /** halted (paused, or a kill switch) */
  halted: number;
  /** not queued yet */
  waiting: number;
};

/** Field by field, where the plan's restorable items stand now (one grouped read). */
export async function progressIn(client: Tx | typeof db, id: string): Promise<TBackoutProgress> {
  const [p] = await client.$queryRaw<TBackoutProgress[]>`
    select count(*)::int as restorable,
      count(*) filter (where r.status in ('succeeded', 'reverted'))::int as done,
      count(*) filter (where i.state = 'changed_since_plan'
        or (r.status = 'failed' and r."lastErrorClass" = 'conflict'))::int as conflicts,
      count(*) filter (where (r.status = 'failed' and r."lastErrorClass" is distinct from 'conflict')
        or r.status in ('dead_lettered', 'discarded', 'denied', 'expired'))::int as failed,
      count(*) filter (where r.status in ('approved', 'executing', 'retrying'))::int as "inFlight",
      count(*) filter (where r.status in ('halted', 'pending_approval'))::int as halted,
      count(*) filter (where i.state = 'restorable' and i."revertRequestId" is null)::int as waiting
    from "BackoutItem" i left join "ActionRequest" r on r.id = i."revertRequestId"
    where i."backoutId" = ${id} and i.state in ('restorable', 'changed_since_plan')`;
  return p;
}

/**
 * The `backouts` job's step: every running backout advanced once (a backout another worker is
 * advancing right now is skipped: its row is locked). Returns the reverts queued.
 */
export async function advanceBackouts(opts: { enqueue?: boolean } = {}) {
  const running = await db.backout.findMany({
    where: { status: "running" },
    select: { id: true },
    orderBy: { startedAt: "asc" },
  });
  let queued = 0;
  for (const { id } of running) {
    const step = await advanceOne(id);
    queued += step.queued.length;
    if (opts.enqueue !== false) for (const r of step.queued) void enqueueAfterCommit(r);
  }
  return queued;
}
