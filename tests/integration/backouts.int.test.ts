import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { executeRequest } from "@/lib/execution/execute";
import {
  advanceBackouts,
  cancelBackout,
  getBackout,
  listBackoutItems,
  pauseBackout,
  planBackout,
  progressIn,
  resumeBackout,
  startBackout,
} from "@/lib/backouts";
import { planRevert, requestRevert } from "@/lib/reverts";
import { getRequestHistory } from "@/lib/requests/request-history";
import type { TCurrentUser } from "@/lib/auth";
import { demoUser, useExecutionSuite, waitFor } from "./fixtures/execution";
import { BEFORE, seedAgentWrites, WRITTEN } from "./fixtures/agent-writes";
import { codeOf } from "./fixtures/errors";
import { workerProcesses } from "./fixtures/worker-process";

const FIELDS = Object.keys(BEFORE(0));

/**
 * Bulk backout (issue 12): a dry run plans every record and field of a selection against
 * Salesforce; a second person starts it; the job queues one revert per record, the worker
 * writes them in composite batches; what it does is what the dry run said, it pauses and
 * resumes, and a worker killed mid-way loses nothing and writes nothing twice.
 */
describe("bulk backout", () => {
  const { box, agent, request } = useExecutionSuite(0);
  const worker = { workerId: "backout-test-worker" };
  /** The ops owner's dry run of every write of the suite's agent in a seeded window. */
  const planAgentWindow = (seeded: { from: Date; to: Date }, reason: string) =>
    planBackout(ops, {
      environmentId: agent.environmentId,
      agentId: agent.agentId,
      from: seeded.from,
      to: seeded.to,
      reason,
    });
  let ops: TCurrentUser;
  let admin: TCurrentUser;
  let viewer: TCurrentUser;

  beforeAll(async () => {
    ops = await demoUser("ops@tollgate.demo", ["ops_owner"]);
    admin = await demoUser("admin@tollgate.demo", ["admin"]);
    viewer = await demoUser("vp@tollgate.demo", ["viewer"]);
  });

  const valuesOf = async (ids: string[]) => {
    const out = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < ids.length; i += 200) {
      const got = await box.sf.retrieveBatch("Opportunity", ids.slice(i, i + 200), FIELDS);
      got.forEach((g, j) => out.set(ids[i + j], g?.record ?? {}));
    }
    return out;
  };
  const pick = (r: Record<string, unknown> | undefined) =>
    Object.fromEntries(FIELDS.map((f) => [f, r?.[f] ?? null]));

  /** Every item of a backout, all pages. */
  const allItems = async (id: string) => {
    const items = [];
    let after: string | undefined;
    for (;;) {
      const page = await listBackoutItems(id, { after, limit: 500 });
      items.push(...page.items);
      if (!page.next) return items;
      after = page.next;
    }
  };

  /** What the backout's succeeded reverts restored: record|field → value written back. */
  const restoredBy = async (id: string) => {
    const rows = await db.fieldChange.findMany({
      where: { actionRequest: { backoutId: id, status: "succeeded" } },
      select: { field: true, newValue: true, actionRequest: { select: { recordId: true } } },
    });
    return new Map(rows.map((r) => [`${r.actionRequest.recordId}|${r.field}`, r.newValue]));
  };

  it("plans field by field, is started by a second person and restores exactly what it planned", async () => {
    const seeded = await seedAgentWrites(box.sf, agent, 3, "Backout plan");
    const [r0, r1, r2] = seeded.recordIds;
    // a second write by the agent on r0's Amount: the chain restores the value before the first
    const chained = await request({ recordId: r0, changes: { Amount: 9999 } });
    expect((await executeRequest(chained, worker)).outcome).toBe("succeeded");
    // a person edits r1's NextStep after the agent: a conflict, never overwritten
    await box.humanEdit("Opportunity", r1, { NextStep: "Agreed with the customer" });
    // a create by the agent: listed for a person, not deleted
    const created = await request({
      recordId: null,
      object: "Lead",
      actionType: "lead.create",
      changes: { LastName: "Backout", Company: "Backout Co" },
    });
    expect((await executeRequest(created, worker)).outcome).toBe("succeeded");
    const window = { from: seeded.from, to: new Date(Date.now() + 1000) };

    const input = {
      environmentId: agent.environmentId,
      agentId: agent.agentId,
      ...window,
      reason: "The agent misread every call note this morning",
    };
    expect(await codeOf(planBackout(viewer, input))).toBe("forbidden");
    expect(await codeOf(planBackout(ops, { ...input, to: seeded.from }))).toBe("invalid_body");
    const plan = await planBackout(ops, input);
    expect(plan).toMatchObject({
      status: "planned",
      requests: 5,
      records: 4,
      restorable: 14,
      conflicts: 1,
      alreadyRestored: 0,
      notRevertible: 1,
    });
    const items = await allItems(plan.id);
    const amount = items.find((i) => i.recordId === r0 && i.field === "Amount")!;
    expect(amount).toMatchObject({ state: "restorable", before: 1000, written: 9999 });
    expect(amount.requestIds).toEqual([seeded.requestIds[0], chained]);
    expect(items.find((i) => i.recordId === r1 && i.field === "NextStep")).toMatchObject({
      state: "conflict",
      current: "Agreed with the customer",
    });
    expect(items.find((i) => i.state === "not_revertible")?.note).toMatch(
      /a backout does not delete records/,
    );

    // separation of duties: the planner does not start it; a viewer cannot
    expect(await codeOf(startBackout(ops, plan.id))).toBe("separation_of_duties");
    expect(await codeOf(startBackout(viewer, plan.id))).toBe("forbidden");
    expect((await getBackout(plan.id, ops)).startBlocked).toMatch(/another person/);
    await startBackout(admin, plan.id);
    expect(await codeOf(startBackout(admin, plan.id))).toBe("state_changed");

    // a single revert of a write the backout is undoing is refused
    const p2 = await planRevert(seeded.requestIds[2]);
    const seen = Object.fromEntries(p2.fields.map((f) => [f.field, f.current]));
    expect(await codeOf(requestRevert(ops, seeded.requestIds[2], { reason: "Twice", seen }))).toBe(
      "revert_open",
    );
    // and its page says why
    expect((await getRequestHistory(seeded.requestIds[2])).revert.blockedBy).toBe(
      `Backout ${plan.id} (running) is undoing this request; it reverts it, or pause and cancel it first`,
    );

    expect(await advanceBackouts({ enqueue: false })).toBe(3);
    // the first of a chain: the record's revert names only the chain's last write, yet the
    // first write's page finds it open too
    const first = await getRequestHistory(seeded.requestIds[0]);
    expect(first.revert.blockedBy).toMatch(/^A revert of this request is already approved: ar_/);
    const reverts = await db.actionRequest.findMany({
      where: { backoutId: plan.id },
      include: { fieldChanges: true, approvals: true },
    });
    expect(reverts).toHaveLength(3);
    for (const r of reverts) {
      expect(r).toMatchObject({ status: "approved", requestedById: ops.id });
      expect(r.approvals).toEqual([expect.objectContaining({ approverId: admin.id })]);
    }
    // one composite call writes all three (one object, one environment)
    const run = await executeRequest(reverts[0].id, worker);
    expect(run.outcome).toBe("succeeded");
    expect(await advanceBackouts({ enqueue: false })).toBe(0);
    const done = await getBackout(plan.id, admin);
    expect(done.status).toBe("done");
    expect(done.progress).toMatchObject({ restorable: 14, done: 14, conflicts: 0, failed: 0 });

    const now = await valuesOf([r0, r1, r2]);
    expect(pick(now.get(r0))).toEqual(BEFORE(0));
    expect(pick(now.get(r1))).toEqual({ ...BEFORE(1), NextStep: "Agreed with the customer" });
    expect(pick(now.get(r2))).toEqual(BEFORE(2));

    // the dry run is what it did: every restorable item, restored to its planned value
    const restored = await restoredBy(plan.id);
    const planned = new Map(
      items
        .filter((i) => i.state === "restorable")
        .map((i) => [`${i.recordId}|${i.field}`, i.before]),
    );
    expect(restored).toEqual(planned);

    const originals = await db.actionRequest.findMany({
      where: { id: { in: [...seeded.requestIds, chained] } },
      select: { id: true, status: true },
    });
    const statusOf = new Map(originals.map((o) => [o.id, o.status]));
    expect(statusOf.get(seeded.requestIds[0])).toBe("reverted");
    expect(statusOf.get(chained)).toBe("reverted");
    // r1's NextStep stayed (a conflict): its request is not wholly reverted
    expect(statusOf.get(seeded.requestIds[1])).toBe("succeeded");
    expect(statusOf.get(seeded.requestIds[2])).toBe("reverted");
    const reversals = await db.reversal.findMany({ where: { batchId: plan.id } });
    expect(reversals).toHaveLength(4);
    expect(reversals.every((r) => r.status === "succeeded")).toBe(true);
    const events = await db.auditEvent.findMany({
      where: { OR: [{ subjectId: plan.id }, { subjectId: { in: reverts.map((r) => r.id) } }] },
      select: { action: true, payload: true },
    });
    const actions = events.map((e) => e.action);
    for (const a of ["backout.planned", "backout.started", "backout.completed"])
      expect(actions).toContain(a);
    expect(
      events.filter(
        (e) =>
          e.action === "action_request.revert_requested" &&
          (e.payload as { backoutId?: string }).backoutId === plan.id,
      ),
    ).toHaveLength(3);
  });

  it("pauses (queued reverts halted, nothing more queued), resumes, and cancels only when not running", async () => {
    const seeded = await seedAgentWrites(box.sf, agent, 4, "Backout pause");
    const plan = await planAgentWindow(seeded, "Pause and resume");
    expect(plan.restorable).toBe(20);
    // a risk owner starts it, and may stop it too; a viewer may not
    const risk = await demoUser("risk@tollgate.demo", ["risk_owner"]);
    await startBackout(risk, plan.id);
    expect(await advanceBackouts({ enqueue: false })).toBe(4);
    expect(await codeOf(cancelBackout(ops, plan.id))).toBe("state_changed");
    expect(await codeOf(pauseBackout(viewer, plan.id))).toBe("forbidden");
    expect((await getBackout(plan.id, risk)).can.pause).toBe(true);
    const paused = await pauseBackout(risk, plan.id);
    expect(paused.halted).toBe(4);
    expect(await advanceBackouts({ enqueue: false })).toBe(0);
    expect(await progressIn(db, plan.id)).toMatchObject({ halted: 20, inFlight: 0, done: 0 });
    // the planner does not resume it either
    expect(await codeOf(resumeBackout(ops, plan.id))).toBe("separation_of_duties");
    // nor anyone once the dry run is more than an hour old: plan again
    const plannedAt = (await db.backout.findUniqueOrThrow({ where: { id: plan.id } })).plannedAt;
    await db.backout.update({
      where: { id: plan.id },
      data: { plannedAt: new Date(Date.now() - 2 * 3_600_000) },
    });
    expect(await codeOf(resumeBackout(admin, plan.id))).toBe("state_changed");
    await db.backout.update({ where: { id: plan.id }, data: { plannedAt } });
    const resumeAt = new Date();
    const resumed = await resumeBackout(admin, plan.id);
    expect(resumed.resumed).toBe(4);
    // approved as of the resume: a long pause does not make them stale
    for (const r of await db.actionRequest.findMany({ where: { backoutId: plan.id } })) {
      expect(r.decidedAt!.getTime()).toBeGreaterThanOrEqual(resumeAt.getTime());
    }
    const [first] = await db.actionRequest.findMany({ where: { backoutId: plan.id } });
    expect((await executeRequest(first.id, worker)).outcome).toBe("succeeded");
    await advanceBackouts({ enqueue: false });
    expect((await getBackout(plan.id, admin)).progress).toMatchObject({ done: 20, failed: 0 });
    const values = await valuesOf(seeded.recordIds);
    seeded.recordIds.forEach((r, i) => expect(pick(values.get(r))).toEqual(BEFORE(i)));

    // a planned backout is cancelled; a done one is not
    const other = await seedAgentWrites(box.sf, agent, 1, "Backout cancel");
    const again = await planAgentWindow(other, "Changed my mind");
    expect((await cancelBackout(ops, again.id)).status).toBe("cancelled");
    expect(await codeOf(startBackout(admin, again.id))).toBe("state_changed");
    expect(await codeOf(cancelBackout(ops, plan.id))).toBe("state_changed");
    expect(pick((await valuesOf(other.recordIds)).get(other.recordIds[0]))).toEqual(WRITTEN(0));
  });

  it("fails a revert whose record changed after the dry run, overwriting nothing", async () => {
    const seeded = await seedAgentWrites(box.sf, agent, 2, "Backout late edit");
    const plan = await planAgentWindow(seeded, "Late edit");
    await startBackout(admin, plan.id);
    await advanceBackouts({ enqueue: false });
    await box.humanEdit("Opportunity", seeded.recordIds[1], { Amount: 123 });
    const [first] = await db.actionRequest.findMany({ where: { backoutId: plan.id } });
    await executeRequest(first.id, worker);
    await advanceBackouts({ enqueue: false });
    const b = await getBackout(plan.id, admin);
    expect(b.status).toBe("done");
    expect(b.progress).toMatchObject({ restorable: 10, done: 5, conflicts: 5, failed: 0 });
    const values = await valuesOf(seeded.recordIds);
    expect(pick(values.get(seeded.recordIds[0]))).toEqual(BEFORE(0));
    expect(pick(values.get(seeded.recordIds[1]))).toEqual({ ...WRITTEN(1), Amount: 123 });
    const reversals = await db.reversal.findMany({ where: { batchId: plan.id } });
    expect(reversals.map((r) => r.status).sort()).toEqual(["conflict", "succeeded"]);
  });

  describe("10,000 field changes across 2,000 records, the worker killed mid-way", () => {
    const workers = workerProcesses();
    afterEach(async () => {
      await workers.stopAll();
      await box.fault({ latencyMs: 0, latencyMethod: null });
    });

    it("completes with progress, resumes after kill -9, writes nothing twice, does what its dry run said", async () => {
      const N = 2_000;
      const seeded = await seedAgentWrites(box.sf, agent, N, "Backout bulk");
      // people changed 10 records' NextStep since: conflicts in the plan
      const edited = seeded.recordIds.filter((_, i) => i % 200 === 7);
      for (const r of edited) await box.humanEdit("Opportunity", r, { NextStep: "A person's" });
      const plan = await planAgentWindow(seeded, "The agent's whole morning goes back");
      expect(plan).toMatchObject({
        requests: N,
        records: N,
        restorable: 5 * N - edited.length,
        conflicts: edited.length,
      });
      const histories = async () => {
        let n = 0;
        for (let i = 0; i < N; i += 200) {
          const ids = seeded.recordIds.slice(i, i + 200).join("','");
          const res = await box.sf.query<{ Id: string }>(
            `SELECT Id FROM OpportunityFieldHistory WHERE Field = 'StageName' AND OpportunityId IN ('${ids}')`,
          );
          n += res.records.length;
        }
        return n;
      };
      const stageHistoryBefore = await histories();

      // slow composite writes, so the kill lands with the backout part done
      await box.fault({ latencyMs: 400, latencyMethod: "PATCH" });
      const grace = { TOLLGATE_EXECUTION_LEASE_MS: "5000", TOLLGATE_EXECUTION_BATCH_SIZE: "200" };
      const doomed = await workers.start("backout-doomed", { ...grace, WORKER_CONCURRENCY: "4" });
      await startBackout(admin, plan.id);
      const seenProgress: number[] = [];
      await waitFor(
        async () => {
          const p = await progressIn(db, plan.id);
          seenProgress.push(p.done);
          return p.done > 0 && (box.sandbox.state().inFlight.PATCH ?? 0) > 0;
        },
        { timeoutMs: 60_000, what: "the backout under way with writes in flight" },
      );
      await workers.stop(doomed, "SIGKILL");
      const atKill = await progressIn(db, plan.id);
      expect(atKill.done).toBeLessThan(plan.restorable);
      await box.fault({ latencyMs: 0, latencyMethod: null });

      await workers.start("backout-survivor", grace);
      await waitFor(
        async () =>
          (await db.backout.findUniqueOrThrow({ where: { id: plan.id } })).status === "done",
        { timeoutMs: 120_000, what: "the backout to finish after the restart" },
      );
      const b = await getBackout(plan.id, admin);
      expect(b.progress).toMatchObject({
        restorable: plan.restorable,
        done: plan.restorable,
        conflicts: 0,
        failed: 0,
        inFlight: 0,
        waiting: 0,
      });
      // progress was seen moving, not jumping from nothing to all
      expect(seenProgress.some((d) => d > 0 && d < plan.restorable)).toBe(true);

      // one revert per record, each succeeded; no record written twice
      const reverts = await db.actionRequest.groupBy({
        by: ["recordId"],
        where: { backoutId: plan.id },
        _count: true,
      });
      expect(reverts).toHaveLength(N);
      expect(reverts.every((r) => r._count === 1)).toBe(true);
      expect(await histories()).toBe(stageHistoryBefore + N);

      const values = await valuesOf(seeded.recordIds);
      seeded.recordIds.forEach((r, i) =>
        expect(pick(values.get(r))).toEqual(
          edited.includes(r) ? { ...BEFORE(i), NextStep: "A person's" } : BEFORE(i),
        ),
      );
      const items = await allItems(plan.id);
      const planned = new Map(
        items
          .filter((i) => i.state === "restorable")
          .map((i) => [`${i.recordId}|${i.field}`, i.before]),
      );
      expect(await restoredBy(plan.id)).toEqual(planned);
    }, 300_000);
  });
});
