import pg from "pg";
import { describe, expect, it } from "vitest";
import { db, type ActionRequestStatus } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import { demoteAgent } from "@/lib/gates";
import { changeAgentStatus } from "@/lib/agents/agent-lifecycle";
import { claimTry } from "@/lib/execution/claim";
import { resolveDeadLetter, resumeHalted } from "@/lib/execution/operator-actions";
import { useScratch } from "./fixtures/scratch";

// an object no other file proposes on: a claim here takes no other file's work along as a batch
const OBJECT = "PhaseProbe__c";

/**
 * A demotion, suspension or retirement reaches the work already waiting (issue 14's review:
 * approved work still ran after an agent went back to propose). Every door to a write asks the
 * phase and status again: the change itself, the worker's claim (work an instance with a stale
 * cache approved just after; a claim racing the demotion's commit), batch siblings, a person's
 * resume of halted work, a dead letter's retry.
 */
describe("work waiting when an agent is demoted, suspended or retired", () => {
  const s = useScratch();

  const request = async (
    agent: { id: string; environmentId: string },
    status: ActionRequestStatus,
    mode: "auto" | "human_in_the_loop",
    opts: { approvedBy?: string; recordId?: string } = {},
  ) => {
    const id = prefixedId("ar");
    await db.actionRequest.create({
      data: {
        id,
        agentId: agent.id,
        environmentId: agent.environmentId,
        idempotencyKey: prefixedId("idem"),
        bodyHash: "0".repeat(64),
        object: OBJECT,
        recordId: opts.recordId ?? null,
        status,
        decisionMode: mode,
      },
    });
    if (opts.approvedBy) {
      await db.approval.create({
        data: { actionRequestId: id, approverId: opts.approvedBy, decision: "approved" },
      });
    }
    return id;
  };
  const status = async (id: string) =>
    (await db.actionRequest.findUniqueOrThrow({ where: { id }, select: { status: true } })).status;
  const demote = (agentId: string, from: string, to: string) =>
    demoteAgent(
      agentId,
      { from: from as "execute", to: to as "propose", reason: "Reversal rate too high" },
      s.adminId,
    );

  it("execute → propose: what Tollgate approved on its own goes back to a person; a person's approval stands", async () => {
    const agent = await s.agent("staging");
    const auto = await request(agent, "auto_approved", "auto");
    const autoRetrying = await request(agent, "retrying", "auto");
    const autoHalted = await request(agent, "halted", "auto");
    const byPerson = await request(agent, "approved", "human_in_the_loop", {
      approvedBy: s.adminId,
    });
    // raised to a person by the propose rule and approved by them: a person's decision
    const autoApprovedByPerson = await request(agent, "approved", "auto", {
      approvedBy: s.adminId,
    });
    const waiting = await request(agent, "pending_approval", "human_in_the_loop");

    const out = await demote(agent.id, "execute", "propose");
    expect(out).toMatchObject({ phase: "propose", returnedToApproval: 3, expired: 0 });
    for (const id of [auto, autoRetrying, autoHalted]) {
      expect(await status(id)).toBe("pending_approval");
    }
    const back = await db.actionRequest.findUniqueOrThrow({ where: { id: auto } });
    expect(back.requiredApprovals).toBeGreaterThanOrEqual(1);
    expect(back.slaDueAt).not.toBeNull();
    expect(await status(byPerson)).toBe("approved");
    expect(await status(autoApprovedByPerson)).toBe("approved");
    expect(await status(waiting)).toBe("pending_approval");

    const moved = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: auto, action: "action_request.returned_to_approval" },
    });
    expect(moved.reasonText).toContain("propose phase");
    const demoted = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: agent.id, action: "agent.demoted" },
    });
    expect(demoted.payload).toMatchObject({ returnedToApproval: 3, expired: 0 });
  });

  it("the claim stops auto-approved work an instance with a stale phase let in after the demotion", async () => {
    const agent = await s.agent("staging");
    await demote(agent.id, "execute", "propose");
    // received by an instance whose configuration cache still said execute
    const late = await request(agent, "auto_approved", "auto");
    const claim = await claimTry(late, "phase-test-worker");
    expect(claim.outcome).toBe("halted");
    expect(await status(late)).toBe("pending_approval");
    expect(await db.executionAttempt.count({ where: { actionRequestId: late } })).toBe(0);
  });

  it("a claim racing the demotion's commit waits for it and stops the write", async () => {
    const agent = await s.agent("staging");
    const id = await request(agent, "auto_approved", "auto");
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    try {
      await c.query("begin");
      await c.query(`select set_config('tollgate.phase_change', $1, true)`, [agent.id]);
      await c.query(`update "Agent" set phase = 'propose' where id = $1`, [agent.id]);
      const claim = claimTry(id, "phase-race-worker");
      await new Promise((r) => setTimeout(r, 500));
      await c.query("commit");
      expect((await claim).outcome).toBe("halted");
    } finally {
      await c.end();
    }
    expect(await status(id)).toBe("pending_approval");
    expect(await db.executionAttempt.count({ where: { actionRequestId: id } })).toBe(0);
  });

  it("a batch takes along only the siblings the agent may still write", async () => {
    const agent = await s.agent("staging");
    await demote(agent.id, "execute", "propose");
    const primary = await request(agent, "approved", "auto", {
      approvedBy: s.adminId,
      recordId: "a0P000000000001AAA",
    });
    const sibling = await request(agent, "auto_approved", "auto", {
      recordId: "a0P000000000002AAA",
    });
    const friend = await request(agent, "approved", "human_in_the_loop", {
      approvedBy: s.adminId,
      recordId: "a0P000000000003AAA",
    });
    const claim = await claimTry(primary, "phase-batch-worker");
    if (claim.outcome !== "claimed") throw new Error(`claim: ${claim.outcome}`);
    expect(claim.tries.map((t) => t.ar.id).sort()).toEqual([primary, friend].sort());
    expect(await status(sibling)).toBe("auto_approved");
    expect((await claimTry(sibling, "phase-batch-worker")).outcome).toBe("halted");
    expect(await status(sibling)).toBe("pending_approval");
  });

  it("a person's resume sends halted work to approval instead; a dead letter's retry is refused, its re-route goes", async () => {
    const agent = await s.agent("staging");
    const dead = await request(agent, "dead_lettered", "auto");
    await db.deadLetter.create({
      data: { actionRequestId: dead, errorClass: "timeout", errorMessage: "timed out" },
    });
    await demote(agent.id, "execute", "propose");
    // halted by a kill switch before, in the queue after the demotion's sweep
    const halted = await request(agent, "halted", "auto");
    const fine = await request(agent, "halted", "human_in_the_loop", { approvedBy: s.adminId });
    const out = await resumeHalted([halted, fine], s.adminId, "switch reset, carry on");
    expect(out).toMatchObject({ resumed: 1, ids: [fine], returnedToApproval: [halted] });
    expect(await status(halted)).toBe("pending_approval");
    expect(await status(fine)).toBe("approved");

    await expect(
      resolveDeadLetter(dead, s.adminId, { action: "retry", reason: "try again" }),
    ).rejects.toMatchObject({ code: "phase_forbids" });
    expect(await status(dead)).toBe("dead_lettered");
    await resolveDeadLetter(dead, s.adminId, { action: "reroute", reason: "a person decides" });
    expect(await status(dead)).toBe("pending_approval");
  });

  it("down to observe, or retired: everything waiting expires, a person's approval too", async () => {
    const agent = await s.agent("staging");
    const byPerson = await request(agent, "approved", "human_in_the_loop", {
      approvedBy: s.adminId,
    });
    const waiting = await request(agent, "pending_approval", "human_in_the_loop");
    const draft = await request(agent, "draft", "human_in_the_loop");
    const out = await demote(agent.id, "execute", "observe");
    expect(out).toMatchObject({ phase: "observe", returnedToApproval: 0, expired: 3 });
    for (const id of [byPerson, waiting, draft]) expect(await status(id)).toBe("expired");

    const other = await s.agent("staging");
    const auto = await request(other, "auto_approved", "auto");
    const approved = await request(other, "approved", "human_in_the_loop", {
      approvedBy: s.adminId,
    });
    const pending = await request(other, "pending_approval", "human_in_the_loop");
    await changeAgentStatus(
      other.id,
      { action: "suspend", reason: "Odd writes overnight" },
      s.adminId,
    );
    expect(await status(auto)).toBe("pending_approval");
    expect(await status(approved)).toBe("approved");
    expect(await status(pending)).toBe("pending_approval");
    const suspended = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: other.id, action: "agent.suspended" },
    });
    expect(suspended.payload).toMatchObject({ returnedToApproval: 1, expired: 0 });
    await changeAgentStatus(other.id, { action: "retire", reason: "Replaced by v2" }, s.adminId);
    for (const id of [auto, approved, pending]) expect(await status(id)).toBe("expired");
  });

  it("a backlog of a thousand waiting writes is stopped within the demotion's transaction", async () => {
    const agent = await s.agent("staging");
    await db.actionRequest.createMany({
      data: Array.from({ length: 1000 }, () => ({
        id: prefixedId("ar"),
        agentId: agent.id,
        environmentId: agent.environmentId,
        idempotencyKey: prefixedId("idem"),
        bodyHash: "0".repeat(64),
        object: OBJECT,
        status: "retrying" as const,
        decisionMode: "auto" as const,
      })),
    });
    const out = await demote(agent.id, "execute", "propose");
    expect(out).toMatchObject({ phase: "propose", returnedToApproval: 1000 });
    expect(
      await db.actionRequest.count({ where: { agentId: agent.id, status: "pending_approval" } }),
    ).toBe(1000);
  });
});
