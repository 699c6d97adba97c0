import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { demoRecordIds } from "@/lib/connectors/salesforce-sandbox";
import { SalesforceConnector } from "@/lib/connectors/salesforce";
import { executeRequest } from "@/lib/execution/execute";
import { decideActionRequest } from "@/lib/approvals";
import { tripKillSwitch, resetKillSwitch } from "@/lib/guardrails";
import { resumeHalted } from "@/lib/execution/operator-actions";
import { verifyAuditLane } from "@/lib/audit";
import type { TCurrentUser } from "@/lib/auth";
import { demoUser, setRetryPolicies, useExecutionSuite } from "./fixtures/execution";

/**
 * Execution against the sandbox, one try at a time (executeRequest is what a pg-boss job runs):
 * the write with If-Unmodified-Since, before/after in the data lane, each connector call in the
 * execution lane, and what each error class leads to.
 */
describe("execution", () => {
  const { box, opp, request } = useExecutionSuite(10);
  let adminId: string;
  const worker = { workerId: "test-worker" };

  const approved = (changes: Record<string, unknown>, recordId = opp(), extra = {}) =>
    request({ recordId, changes, ...extra });
  const row = (id: string) =>
    db.actionRequest.findUniqueOrThrow({
      where: { id },
      include: { fieldChanges: true, attemptsLog: true, deadLetter: true },
    });

  beforeAll(async () => {
    adminId = (await demoUser("admin@tollgate.demo")).id;
    await setRetryPolicies(["timeout", "unavailable", "rate_limited"], {
      maxAttempts: 3,
      backoffMs: 50,
      factor: 2,
      maxBackoffMs: 1000,
    });
  });
  afterAll(() => db.retryPolicy.deleteMany());

  it("writes the approved change, records before/after and every connector call", async () => {
    const recordId = opp();
    const id = await approved({ NextStep: "Send the order form", Amount: 123456 }, recordId);
    const result = await executeRequest(id, worker);
    expect(result.outcome).toBe("succeeded");
    const r = await row(id);
    expect(r.status).toBe("succeeded");
    expect(r.attempts).toBe(1);
    expect(r.resultRecordId).toBe(recordId);
    expect(r.after).toEqual({ NextStep: "Send the order form", Amount: 123456 });
    expect(r.fieldChanges.find((f) => f.field === "Amount")?.appliedValue).toBe(123456);
    const { record } = await box.sf.read("Opportunity", recordId, ["NextStep", "Amount"]);
    expect(record.NextStep).toBe("Send the order form");
    expect(record.Amount).toBe(123456);
    expect(await box.historyCount(recordId, "NextStep")).toBeGreaterThanOrEqual(1);

    const data = await db.auditEvent.findFirstOrThrow({
      where: { lane: "data", subjectId: id, action: "record.updated" },
    });
    expect((data.payload as { fields: unknown[] }).fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "NextStep", after: "Send the order form" }),
      ]),
    );
    const calls = await db.auditEvent.findMany({
      where: { lane: "execution", subjectId: id, action: "connector.call" },
    });
    // (a login when the session is new), read, PATCH with If-Unmodified-Since, read back
    const ops = calls.map((c) => (c.payload as { op: string }).op).filter((o) => o !== "login");
    expect(ops).toEqual(["read", "update", "read"]);
    expect(r.attemptsLog).toHaveLength(1);
    expect(r.attemptsLog[0].outcome).toBe("succeeded");
    for (const lane of ["data", "execution"] as const) {
      expect((await verifyAuditLane(lane)).broken).toBeNull();
    }
  });

  it("runs a request once however many jobs race for it", async () => {
    const recordId = opp();
    const id = await approved({ NextStep: "Race" }, recordId);
    const before = box.sandbox.state().writes.update;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => executeRequest(id, { workerId: `racer-${i}` })),
    );
    expect(results.filter((r) => r.outcome === "succeeded")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "skipped")).toHaveLength(9);
    expect(box.sandbox.state().writes.update - before).toBe(1);
    expect((await row(id)).attemptsLog).toHaveLength(1);
  });

  it("50 concurrent approve/deny clicks → one decision, and at most one execution", async () => {
    const group = await db.approverGroup.findUniqueOrThrow({
      where: { key: "deal_desk" },
      include: { members: { include: { user: true } } },
    });
    const people: TCurrentUser[] = group.members.map((m) => ({
      id: m.user.id,
      email: m.user.email,
      name: m.user.name,
      roles: ["approver"],
      groups: ["deal_desk"],
    }));
    const recordId = opp();
    const id = await approved({ NextStep: "Fifty clicks" }, recordId, {
      status: "pending_approval",
    });
    const writes = box.sandbox.state().writes.update;
    const clicks = Array.from({ length: 50 }, (_, i) =>
      decideActionRequest(id, people[i % people.length], {
        decision: i % 2 ? "deny" : "approve",
        reason: "click",
      }).then(
        (r) => r.status,
        (e: { code?: string }) => e.code,
      ),
    );
    const outcomes = await Promise.all(clicks);
    const decided = outcomes.filter((o) => o === "approved" || o === "denied");
    expect(decided).toHaveLength(1);
    const runs = await Promise.all(Array.from({ length: 5 }, () => executeRequest(id, worker)));
    const r = await row(id);
    if (decided[0] === "approved") {
      expect(runs.filter((x) => x.outcome === "succeeded")).toHaveLength(1);
      expect(r.status).toBe("succeeded");
      expect(box.sandbox.state().writes.update - writes).toBe(1);
    } else {
      expect(runs.every((x) => x.outcome === "skipped")).toBe(true);
      expect(r.status).toBe("denied");
      expect(box.sandbox.state().writes.update - writes).toBe(0);
    }
  });

  it("a field changed in Salesforce after approval goes back to an approver with the new value", async () => {
    const recordId = opp();
    const id = await approved({ NextStep: "Agent's plan" }, recordId, { requiredApprovals: 1 });
    await box.humanEdit("Opportunity", recordId, { NextStep: "A human's plan" });
    const writes = box.sandbox.state().writes.update;
    const result = await executeRequest(id, worker);
    expect(result.outcome).toBe("back_to_approval");
    const r = await row(id);
    expect(r.status).toBe("pending_approval");
    expect(r.lastErrorClass).toBe("conflict");
    expect(r.fieldChanges[0].valueAtApproval).toBe("A human's plan");
    expect(box.sandbox.state().writes.update - writes).toBe(0);
    const { record } = await box.sf.read("Opportunity", recordId, ["NextStep"]);
    expect(record.NextStep).toBe("A human's plan");
  });

  it("an edit to another field between read and write (412) is re-read, not overwritten", async () => {
    const recordId = opp();
    const id = await approved({ NextStep: "Ours" }, recordId);
    // the first PATCH answers 412, as if someone saved the record between read and write
    await box.fault({
      failNext: { count: 1, status: 412, errorCode: "PRECONDITION_FAILED" },
      method: "PATCH",
    });
    await box.humanEdit("Opportunity", recordId, { Description: "edited by a person" });
    const result = await executeRequest(id, worker);
    expect(result.outcome).toBe("succeeded");
    const { record } = await box.sf.read("Opportunity", recordId, ["NextStep", "Description"]);
    expect(record).toMatchObject({ NextStep: "Ours", Description: "edited by a person" });
  });

  it.each([
    ["unavailable", { failNext: { count: 1, status: 503 } }],
    ["rate_limited", { rateLimitNext: 1 }],
  ])("%s: retried with backoff, then succeeds", async (errorClass, fault) => {
    const recordId = opp();
    const id = await approved({ NextStep: `after ${errorClass}` }, recordId);
    await box.fault(fault);
    const first = await executeRequest(id, worker);
    expect(first.outcome).toBe("retrying");
    let r = await row(id);
    expect(r.status).toBe("retrying");
    expect(r.lastErrorClass).toBe(errorClass);
    expect(r.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() - 1000);
    await new Promise((res) => setTimeout(res, 80));
    const second = await executeRequest(id, worker);
    expect(second.outcome).toBe("succeeded");
    r = await row(id);
    expect(r.attempts).toBe(2);
    expect(r.attemptsLog.map((a) => a.outcome).sort()).toEqual(["failed", "succeeded"]);
  });

  it("timeout: retried until maxAttempts, then dead-lettered", async () => {
    const slow = new SalesforceConnector({
      loginUrl: box.sandbox.url,
      apiVersion: "62.0",
      clientId: box.sandbox.credentials.clientId,
      clientSecret: box.sandbox.credentials.clientSecret,
      username: box.sandbox.credentials.username,
      password: box.sandbox.credentials.password,
      timeoutMs: 300,
    });
    await slow.login();
    const recordId = opp();
    const id = await approved({ NextStep: "never arrives" }, recordId);
    await box.fault({ timeoutNext: 3 });
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((res) => setTimeout(res, 250));
      outcomes.push((await executeRequest(id, { ...worker, connector: slow })).outcome);
    }
    expect(outcomes).toEqual(["retrying", "retrying", "dead_lettered"]);
    const r = await row(id);
    expect(r.status).toBe("dead_lettered");
    expect(r.deadLetter).toMatchObject({ errorClass: "timeout", resolvedAt: null });
    expect(r.attemptsLog).toHaveLength(3);
  });

  it.each([
    ["validation", 400, "FIELD_CUSTOM_VALIDATION_EXCEPTION"],
    ["permission", 403, "INSUFFICIENT_ACCESS_OR_READONLY"],
  ])("%s fails fast into the dead-letter queue", async (errorClass, status, errorCode) => {
    const recordId = opp();
    const id = await approved({ NextStep: `${errorClass} test` }, recordId);
    // the read passes; the PATCH fails
    await box.fault({ failNext: { count: 1, status, errorCode }, method: "PATCH" });
    const result = await executeRequest(id, worker);
    expect(result.outcome).toBe("dead_lettered");
    const r = await row(id);
    expect(r.status).toBe("dead_lettered");
    expect(r.attempts).toBe(1);
    expect(r.deadLetter).toMatchObject({ errorClass, errorCode });
  });

  it("a tripped kill switch halts work before it starts; it resumes only when asked, after reset", async () => {
    const recordId = opp();
    const id = await approved({ NextStep: "halted work" }, recordId);
    const sw = { scope: "environment" as const, target: "prod", reason: "bad deploy" };
    await tripKillSwitch(sw, adminId);
    expect((await row(id)).status).toBe("halted");
    // a request approved after the trip halts at the worker's last check
    const late = await approved({ NextStep: "approved after trip" }, opp());
    expect((await executeRequest(late, worker)).outcome).toBe("halted");
    expect((await row(late)).status).toBe("halted");

    await expect(resumeHalted([id], adminId, "fixed")).rejects.toMatchObject({
      code: "kill_switch_engaged",
    });
    await resetKillSwitch(sw, adminId);
    expect((await row(id)).status).toBe("halted");
    const resumed = await resumeHalted([id, late], adminId, "deploy rolled back");
    expect(resumed.resumed).toBe(2);
    // the first try may take the other with it, as a batch of one object's updates
    const first = await executeRequest(id, worker);
    expect(first.outcome).toBe("succeeded");
    if (!first.batch?.some((b) => b.requestId === late)) {
      expect((await executeRequest(late, worker)).outcome).toBe("succeeded");
    }
    expect((await row(late)).status).toBe("succeeded");
  });

  it("an unsupported operation is dead-lettered with a clear reason, never half-done", async () => {
    const id = await request({
      object: "Lead",
      recordId: demoRecordIds().leads[3],
      changes: { Status: "Qualified" },
      actionType: "lead.convert",
    });
    const result = await executeRequest(id, worker);
    expect(result.outcome).toBe("dead_lettered");
    expect((await row(id)).lastErrorMessage).toMatch(/does not execute "convert"/);
  });
});
