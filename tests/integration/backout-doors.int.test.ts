import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { executeRequest } from "@/lib/execution/execute";
import { resolveDeadLetter, resumeHalted } from "@/lib/execution/operator-actions";
import {
  advanceBackouts,
  getBackout,
  cancelBackout,
  pauseBackout,
  planBackout,
  startBackout,
} from "@/lib/backouts";
import { tripKillSwitch, resetKillSwitch } from "@/lib/guardrails/kill-switches";
import type { TCurrentUser } from "@/lib/auth";
import { demoUser, useExecutionSuite, waitFor } from "./fixtures/execution";
import { BEFORE, seedAgentWrites, WRITTEN } from "./fixtures/agent-writes";
import { codeOf } from "./fixtures/errors";
import { planRevert, requestRevert } from "@/lib/reverts";
import { decideActionRequest } from "@/lib/approvals/decide";

const FIELDS = Object.keys(BEFORE(0));

/** codeOf, but any other error is named instead of thrown. */
const outcomeOf = (p: Promise<unknown>) =>
  codeOf(p).catch((e: Error) => `${e.constructor.name}: ${e.message.slice(0, 120)}`);

/**
 * Bulk backout's rules at every other door to the same effect (a review's probes, each a defect
 * once): the halted-requests and dead-letter routes, a retry after a pause or a cancel, two
 * backouts of one write, the agent's owner, the agent's switch in a batch, a switch-halted
 * revert on resume, and dates that are not dates.
 */
describe("bulk backout — other doors", () => {
  const { box, agent, request } = useExecutionSuite(40);
  const worker = { workerId: "backout-review-worker" };
  let ops: TCurrentUser;
  let admin: TCurrentUser;

  beforeAll(async () => {
    ops = await demoUser("ops@tollgate.demo", ["ops_owner"]);
    admin = await demoUser("admin@tollgate.demo", ["admin"]);
  });

  const valueOf = async (id: string) =>
    Object.fromEntries(
      Object.entries((await box.sf.read("Opportunity", id, FIELDS)).record).filter(([k]) =>
        FIELDS.includes(k),
      ),
    );

  const planned = async (n: number, label: string, planner: TCurrentUser) => {
    const seeded = await seedAgentWrites(box.sf, agent, n, label);
    const plan = await planBackout(planner, {
      environmentId: agent.environmentId,
      agentId: agent.agentId,
      from: seeded.from,
      to: seeded.to,
      reason: label,
    });
    return { seeded, plan };
  };

  it("the halted-requests route does not resume a paused backout's revert (nor lets its planner)", async () => {
    // admin plans (admin also holds kill_switches:write), ops starts, admin pauses
    const { seeded, plan } = await planned(1, "Probe P1", admin);
    await startBackout(ops, plan.id);
    expect(await advanceBackouts({ enqueue: false })).toBe(1);
    await pauseBackout(admin, plan.id);
    // resumeBackout refuses the planner ...
    expect(await codeOf((await import("@/lib/backouts")).resumeBackout(admin, plan.id))).toBe(
      "separation_of_duties",
    );
    // ... the halted-requests door does not
    const [revert] = await db.actionRequest.findMany({ where: { backoutId: plan.id } });
    const code = await codeOf(resumeHalted([revert.id], admin.id, "Just this one"));
    const after = await db.actionRequest.findUniqueOrThrow({ where: { id: revert.id } });
    if (after.status === "approved") await executeRequest(revert.id, worker);
    const b = await db.backout.findUniqueOrThrow({ where: { id: plan.id } });
    expect(b.status).toBe("paused");
    // refused (separation_of_duties / state_changed) and nothing written while paused
    expect(code).not.toBe("no error");
    expect(await valueOf(seeded.recordIds[0])).toEqual(WRITTEN(0));
  });

  it("a revert writing when the backout is paused and cancelled never writes on its retry", async () => {
    const { seeded, plan } = await planned(2, "Probe P2", ops);
    await startBackout(admin, plan.id);
    expect(await advanceBackouts({ enqueue: false })).toBe(2);
    const reverts = await db.actionRequest.findMany({ where: { backoutId: plan.id } });
    // the composite write is slow and then answers 503: the try is writing while the backout
    // is paused and cancelled, and comes back `retrying`
    await box.fault({ latencyMs: 1500, latencyMethod: "PATCH" });
    await box.fault({ failNext: { count: 1, status: 503 }, method: "PATCH" });
    const running = executeRequest(reverts[0].id, worker);
    await waitFor(async () => (box.sandbox.state().inFlight.PATCH ?? 0) > 0, {
      what: "the revert's write in flight",
    });
    await pauseBackout(ops, plan.id);
    await cancelBackout(ops, plan.id);
    expect((await running).outcome).toBe("retrying");
    await box.fault({ clear: true });
    // time passes: the retry is due
    await db.actionRequest.updateMany({
      where: { backoutId: plan.id },
      data: { nextAttemptAt: null },
    });
    const statuses = await db.actionRequest.findMany({
      where: { backoutId: plan.id },
      select: { id: true, status: true },
    });
    for (const r of statuses) if (r.status === "retrying") await executeRequest(r.id, worker);
    expect((await db.backout.findUniqueOrThrow({ where: { id: plan.id } })).status).toBe(
      "cancelled",
    );
    // a cancelled backout writes nothing more
    expect(await valueOf(seeded.recordIds[0])).toEqual(WRITTEN(0));
    expect(await valueOf(seeded.recordIds[1])).toEqual(WRITTEN(1));
  });

  it("is not done while a revert waits in the dead-letter queue; it is retried while the backout runs, never after", async () => {
    const { seeded, plan } = await planned(1, "Probe P3", ops);
    await startBackout(admin, plan.id);
    expect(await advanceBackouts({ enqueue: false })).toBe(1);
    const [revert] = await db.actionRequest.findMany({ where: { backoutId: plan.id } });
    await box.fault({
      failNext: { count: 1, status: 400, errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION" },
      method: "PATCH",
    });
    expect((await executeRequest(revert.id, worker)).outcome).toBe("dead_lettered");
    // not done while the revert waits in the dead-letter queue
    await advanceBackouts({ enqueue: false });
    expect((await db.backout.findUniqueOrThrow({ where: { id: plan.id } })).status).toBe("running");
    // its planner does not retry it; someone else does, while it runs
    expect(
      await codeOf(resolveDeadLetter(revert.id, ops.id, { action: "retry", reason: "Again" })),
    ).toBe("separation_of_duties");
    expect(
      await codeOf(resolveDeadLetter(revert.id, admin.id, { action: "reroute", reason: "Ask" })),
    ).toBe("state_changed");
    await resolveDeadLetter(revert.id, admin.id, { action: "retry", reason: "Try again" });
    expect((await executeRequest(revert.id, worker)).outcome).toBe("succeeded");
    await advanceBackouts({ enqueue: false });
    expect((await db.backout.findUniqueOrThrow({ where: { id: plan.id } })).status).toBe("done");
    expect(await valueOf(seeded.recordIds[0])).toEqual(BEFORE(0));

    // a cancelled backout's dead letter is never retried into Salesforce
    const other = await planned(1, "Doors dead letter cancelled", ops);
    await startBackout(admin, other.plan.id);
    await advanceBackouts({ enqueue: false });
    const [dead] = await db.actionRequest.findMany({ where: { backoutId: other.plan.id } });
    await box.fault({
      failNext: { count: 1, status: 400, errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION" },
      method: "PATCH",
    });
    expect((await executeRequest(dead.id, worker)).outcome).toBe("dead_lettered");
    await pauseBackout(ops, other.plan.id);
    await cancelBackout(ops, other.plan.id);
    expect(
      await codeOf(resolveDeadLetter(dead.id, admin.id, { action: "retry", reason: "Again" })),
    ).toBe("state_changed");
    // discarding it stays open to anyone who may resolve dead letters
    await resolveDeadLetter(dead.id, admin.id, { action: "discard", reason: "Cancelled" });
    expect(await valueOf(other.seeded.recordIds[0])).toEqual(WRITTEN(0));
  });

  it("two backouts planned together undo one write once: the later one finds it changed since its plan", async () => {
    const seeded = await seedAgentWrites(box.sf, agent, 1, "Probe P4");
    const [r0] = seeded.recordIds;
    const mid = new Date();
    const second = await request({ recordId: r0, changes: { Amount: 9999 } });
    expect((await executeRequest(second, worker)).outcome).toBe("succeeded");
    const end = new Date(Date.now() + 1000);
    const base = { environmentId: agent.environmentId, agentId: agent.agentId, to: end };
    const a = await planBackout(ops, { ...base, from: seeded.from, reason: "All of it" });
    const b = await planBackout(ops, { ...base, from: mid, reason: "Only the second write" });
    expect(b.restorable).toBe(1);
    await startBackout(admin, a.id);
    await startBackout(admin, b.id);
    await advanceBackouts({ enqueue: false });
    const open = await db.reversal.findMany({
      where: { actionRequestId: second, status: "planned" },
    });
    // one open revert of `second` (the other backout's item changed since its plan)
    expect(open).toHaveLength(1);
    expect(await db.actionRequest.count({ where: { backoutId: b.id } })).toBe(0);
    // leaving it out is audited, naming the write
    const changed = await db.auditEvent.findMany({
      where: { action: "backout.items_changed", subjectId: b.id },
      select: { payload: true },
    });
    expect(changed.map((e) => e.payload)).toEqual([{ items: 1, requestIds: [second] }]);
    await advanceBackouts({ enqueue: false });
    expect((await getBackout(b.id, admin)).progress).toMatchObject({ conflicts: 1, done: 0 });
    const ra = await db.actionRequest.findFirstOrThrow({ where: { backoutId: a.id } });
    expect((await executeRequest(ra.id, worker)).outcome).toBe("succeeded");
    expect(await valueOf(r0)).toEqual(BEFORE(0));
  });

  it("the agent's owner does not start a backout of its writes, as they may not approve a single revert of one", async () => {
    const owner = await db.agent.findUniqueOrThrow({ where: { id: agent.agentId } });
    await db.agent.update({ where: { id: agent.agentId }, data: { ownerId: admin.id } });
    try {
      const seeded = await seedAgentWrites(box.sf, agent, 2, "Probe P5");
      // writes decided under a raised (non-default) rule: the owner may not approve their revert
      await db.actionRequest.updateMany({
        where: { id: { in: seeded.requestIds } },
        data: { decisionRule: "opportunity.change_stage/late_stage" },
      });
      // control: the single-revert door refuses the owner
      const p0 = await planRevert(seeded.requestIds[0]);
      const seen = Object.fromEntries(p0.fields.map((f) => [f.field, f.current]));
      const single = await requestRevert(ops, seeded.requestIds[0], { reason: "One", seen });
      expect(await codeOf(decideActionRequest(single.id, admin, { decision: "approve" }))).toBe(
        "separation_of_duties",
      );
      // the backout door does not
      const plan = await planBackout(ops, {
        environmentId: agent.environmentId,
        agentId: agent.agentId,
        from: seeded.from,
        to: seeded.to,
        reason: "Probe P5",
      });
      expect(plan.restorable).toBe(5);
      expect(await codeOf(startBackout(admin, plan.id))).toBe("separation_of_duties");
      // nor call off another person's backout of them (pausing stays open: it only stops writes)
      expect(await codeOf(cancelBackout(admin, plan.id))).toBe("separation_of_duties");
      expect((await getBackout(plan.id, ops)).status).toBe("planned");
    } finally {
      await db.agent.update({ where: { id: agent.agentId }, data: { ownerId: owner.ownerId } });
    }
  });

  it("batches a backout's reverts under the agent's engaged switch, as without it", async () => {
    const { plan } = await planned(3, "Probe P6", ops);
    await tripKillSwitch({ scope: "agent", target: agent.agentId, reason: "bad writes" }, admin.id);
    try {
      await startBackout(admin, plan.id);
      await advanceBackouts({ enqueue: false });
      const reverts = await db.actionRequest.findMany({ where: { backoutId: plan.id } });
      expect(reverts).toHaveLength(3);
      expect((await executeRequest(reverts[0].id, worker)).outcome).toBe("succeeded");
      const after = await db.actionRequest.findMany({
        where: { backoutId: plan.id },
        select: { status: true },
      });
      // one composite call wrote all three, as without the switch
      expect(after.map((r) => r.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    } finally {
      await resetKillSwitch({ scope: "agent", target: agent.agentId, reason: "over" }, admin.id);
    }
  });

  it("resuming a backout leaves a revert an engaged environment switch halted, as resumeHalted does", async () => {
    const { plan } = await planned(1, "Probe P8", ops);
    await startBackout(admin, plan.id);
    await advanceBackouts({ enqueue: false });
    const [revert] = await db.actionRequest.findMany({ where: { backoutId: plan.id } });
    const { slug } = await db.environment.findUniqueOrThrow({ where: { id: agent.environmentId } });
    await tripKillSwitch({ scope: "environment", target: slug, reason: "all stop" }, admin.id);
    try {
      expect((await db.actionRequest.findUniqueOrThrow({ where: { id: revert.id } })).status).toBe(
        "halted",
      );
      // a backout's revert is resumed through its backout only
      expect(await codeOf(resumeHalted([revert.id], admin.id, "Go on"))).toBe("state_changed");
      await pauseBackout(ops, plan.id);
      const resumed = await codeOf((await import("@/lib/backouts")).resumeBackout(admin, plan.id));
      const status = (await db.actionRequest.findUniqueOrThrow({ where: { id: revert.id } }))
        .status;
      expect({ resumed, status }).toEqual({ resumed: "no error", status: "halted" });
    } finally {
      await resetKillSwitch({ scope: "environment", target: slug, reason: "over" }, admin.id);
    }
  });

  it("refuses dates that are not dates: year 20000, null, a number", async () => {
    const input = {
      environmentId: agent.environmentId,
      agentId: agent.agentId,
      reason: "Probe P7",
    };
    expect(
      await outcomeOf(planBackout(ops, { ...input, from: new Date(), to: "20000-01-01" })),
    ).toBe("invalid_body");
    expect(
      await outcomeOf(planBackout(ops, { ...input, from: 0 as unknown as string, to: new Date() })),
    ).toBe("invalid_body");
    expect(
      await outcomeOf(
        planBackout(ops, { ...input, from: null as unknown as string, to: new Date() }),
      ),
    ).toBe("invalid_body");
  });
});
