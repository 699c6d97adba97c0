import { describe, expect, it } from "vitest";
import { db, type ActionRequestStatus } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import { demoteAgent } from "@/lib/gates";
import { changeAgentStatus } from "@/lib/agents/agent-lifecycle";
import { claimTry } from "@/lib/execution/claim";
import { resolveDeadLetter, resumeHalted } from "@/lib/execution/operator-actions";
import { phaseStops } from "@/lib/execution/phase-stop";
import { useScratch } from "./fixtures/scratch";

/**
 * A demotion reaches the work already waiting (issue 14's review: approved work still ran after
 * an agent went back to propose). Every door to a write asks the phase again: the demotion
 * itself, the worker's claim (work an instance with a stale cache approved just after), a
 * person's resume of halted work, a dead letter's retry.
 */
describe("work waiting when an agent is demoted", () => {
  const s = useScratch();

  const request = async (
    agent: { id: string; environmentId: string },
    status: ActionRequestStatus,
    mode: "auto" | "human_in_the_loop",
    approvedBy?: string,
  ) => {
    const id = prefixedId("ar");
    await db.actionRequest.create({
      data: {
        id,
        agentId: agent.id,
        environmentId: agent.environmentId,
        idempotencyKey: prefixedId("idem"),
        bodyHash: "0".repeat(64),
        object: "Lead",
        status,
        decisionMode: mode,
      },
    });
    if (approvedBy) {
      await db.approval.create({
        data: { actionRequestId: id, approverId: approvedBy, decision: "approved" },
      });
    }
    return id;
  };
  const status = async (id: string) =>
    (await db.actionRequest.findUniqueOrThrow({ where: { id }, select: { status: true } })).status;

  it("execute → propose halts what Tollgate approved on its own, keeps what a person approved", async () => {
    const agent = await s.agent("staging");
    const auto = await request(agent, "auto_approved", "auto");
    const autoRetrying = await request(agent, "retrying", "auto");
    const byPerson = await request(agent, "approved", "human_in_the_loop", s.adminId);
    // raised to a person by the propose rule and approved by them: a person's decision
    const autoApprovedByPerson = await request(agent, "approved", "auto", s.adminId);
    const waiting = await request(agent, "pending_approval", "human_in_the_loop");

    const out = await demoteAgent(
      agent.id,
      { from: "execute", to: "propose", reason: "Reversal rate too high this week" },
      s.adminId,
    );
    expect(out).toMatchObject({ phase: "propose", halted: 2, expired: 0 });
    expect(await status(auto)).toBe("halted");
    expect(await status(autoRetrying)).toBe("halted");
    expect(await status(byPerson)).toBe("approved");
    expect(await status(autoApprovedByPerson)).toBe("approved");
    expect(await status(waiting)).toBe("pending_approval");

    const halt = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: auto, action: "action_request.halted" },
      orderBy: { createdAt: "desc" },
    });
    expect(halt.reasonText).toContain("propose phase");
    const demoted = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: agent.id, action: "agent.demoted" },
    });
    expect(demoted.payload).toMatchObject({ halted: 2, expired: 0 });

    // a person's resume is refused, and nothing changes
    await expect(resumeHalted([auto], s.adminId, "resume it please")).rejects.toMatchObject({
      code: "phase_forbids",
    });
    expect(await status(auto)).toBe("halted");
  });

  it("the claim halts auto-approved work an instance with a stale phase let in after the demotion", async () => {
    const agent = await s.agent("staging");
    await demoteAgent(
      agent.id,
      { from: "execute", to: "propose", reason: "Too many exceptions" },
      s.adminId,
    );
    // received by an instance whose configuration cache still said execute
    const late = await request(agent, "auto_approved", "auto");
    const claim = await claimTry(late, "phase-test-worker");
    expect(claim.outcome).toBe("halted");
    expect(await status(late)).toBe("halted");
    expect(await db.executionAttempt.count({ where: { actionRequestId: late } })).toBe(0);

    // the batch door: the same rule decides which siblings a claim may take along
    const byPerson = await request(agent, "approved", "auto", s.adminId);
    const stops = await phaseStops(db, [late, byPerson]);
    expect([...stops.keys()]).toEqual([late]);
  });

  it("a dead letter's retry is refused; its re-route to an approver is the way on", async () => {
    const agent = await s.agent("staging");
    const dead = await request(agent, "dead_lettered", "auto");
    await db.deadLetter.create({
      data: { actionRequestId: dead, errorClass: "timeout", errorMessage: "timed out" },
    });
    await demoteAgent(
      agent.id,
      { from: "execute", to: "propose", reason: "Too many exceptions" },
      s.adminId,
    );
    await expect(
      resolveDeadLetter(dead, s.adminId, { action: "retry", reason: "try again" }),
    ).rejects.toMatchObject({ code: "phase_forbids" });
    expect(await status(dead)).toBe("dead_lettered");
    await resolveDeadLetter(dead, s.adminId, { action: "reroute", reason: "a person decides" });
    expect(await status(dead)).toBe("pending_approval");
  });

  it("a demotion to observe halts even a person's approved work and expires what waits for a decision", async () => {
    const agent = await s.agent("staging");
    const byPerson = await request(agent, "approved", "human_in_the_loop", s.adminId);
    const waiting = await request(agent, "pending_approval", "human_in_the_loop");
    const draft = await request(agent, "draft", "human_in_the_loop");
    const out = await demoteAgent(
      agent.id,
      { from: "execute", to: "observe", reason: "Back to watching only" },
      s.adminId,
    );
    expect(out).toMatchObject({ phase: "observe", halted: 1, expired: 2 });
    expect(await status(byPerson)).toBe("halted");
    expect(await status(waiting)).toBe("expired");
    expect(await status(draft)).toBe("expired");
  });

  it("suspending stops what Tollgate approved on its own; retiring stops everything", async () => {
    const agent = await s.agent("staging");
    const auto = await request(agent, "auto_approved", "auto");
    const byPerson = await request(agent, "approved", "human_in_the_loop", s.adminId);
    const waiting = await request(agent, "pending_approval", "human_in_the_loop");
    await changeAgentStatus(
      agent.id,
      { action: "suspend", reason: "Odd writes overnight" },
      s.adminId,
    );
    expect(await status(auto)).toBe("halted");
    expect(await status(byPerson)).toBe("approved");
    expect(await status(waiting)).toBe("pending_approval");
    const suspended = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: agent.id, action: "agent.suspended" },
    });
    expect(suspended.payload).toMatchObject({ halted: 1, expired: 0 });

    await changeAgentStatus(agent.id, { action: "retire", reason: "Replaced by v2" }, s.adminId);
    expect(await status(byPerson)).toBe("halted");
    expect(await status(waiting)).toBe("expired");
    await expect(resumeHalted([byPerson], s.adminId, "resume it please")).rejects.toMatchObject({
      code: "phase_forbids",
    });
  });
});
