import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { claimTry } from "@/lib/execution/claim";
import { executeRequest } from "@/lib/execution/execute";
import { Lease } from "@/lib/execution/lease";
import { writeBatchToSalesforce } from "@/lib/execution/write-batch";
import { resetKillSwitch, tripKillSwitch } from "@/lib/guardrails";
import { verifyAuditLane } from "@/lib/audit";
import {
  demoUser,
  newOpportunities as makeOpportunities,
  requestFor,
  useExecutionSuite,
} from "./fixtures/execution";

/**
 * Batched execution: runnable updates of one object in one environment are written together,
 * up to 200 in one `/composite/sobjects` call (allOrNone=false); each request gets its own
 * outcome, classified as it would be alone.
 */
describe("batched execution", () => {
  const { box, request } = useExecutionSuite(0);

  const newOpportunities = (n: number, label: string) => makeOpportunities(box, n, label);
  const updateCalls = () => box.sandbox.state().writes.update;

  it("one bad record among 200: 199 succeed in one call, the bad one is classified as alone", async () => {
    // the same bad change alone, through the one-record path, for comparison
    const [lone] = await newOpportunities(1, "lone");
    const loneId = await request({ recordId: lone, changes: { Amount: -5 } });
    const loneResult = await executeRequest(loneId, { workerId: "batch-test" });
    expect(loneResult.batch).toBeUndefined();
    const alone = await db.actionRequest.findUniqueOrThrow({
      where: { id: loneId },
      include: { deadLetter: true },
    });
    expect(alone.lastErrorClass).toBe("validation");

    const records = await newOpportunities(200, "batch");
    const ids: string[] = [];
    for (const [i, recordId] of records.entries()) {
      ids.push(
        await request({
          recordId,
          changes: i === 137 ? { Amount: -5 } : { NextStep: `batched #${i}` },
        }),
      );
    }
    const bad = ids[137];
    const histories = await Promise.all(records.map((r) => box.historyCount(r, "NextStep")));
    const before = box.sandbox.state();

    const result = await executeRequest(ids[0], { workerId: "batch-test" });
    expect(result.outcome).toBe("succeeded");
    expect(result.batch).toHaveLength(199);
    const after = box.sandbox.state();
    // one PATCH for 199 records: the sandbox counts records written, the calls say how
    expect(after.writes.update - before.writes.update).toBe(199);

    const rows = await db.actionRequest.findMany({
      where: { id: { in: ids } },
      include: { attemptsLog: true, deadLetter: true, fieldChanges: true },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const ok = rows.filter((r) => r.status === "succeeded");
    expect(ok).toHaveLength(199);
    const badRow = byId.get(bad)!;
    expect(badRow.status).toBe(alone.status);
    expect(badRow.lastErrorClass).toBe(alone.lastErrorClass);
    expect(badRow.lastErrorCode).toBe(alone.lastErrorCode);
    expect(badRow.lastErrorMessage).toBe(alone.lastErrorMessage);
    expect(!!badRow.deadLetter).toBe(!!alone.deadLetter);
    const outcomeOf = { dead_lettered: "dead_lettered", pending_approval: "back_to_approval" };
    expect(result.batch!.find((b) => b.requestId === bad)?.outcome).toBe(
      outcomeOf[alone.status as keyof typeof outcomeOf],
    );

    // each request: one try, finished, with the batch's calls; its field's applied value
    for (const r of rows) {
      expect(r.attemptsLog).toHaveLength(1);
      const [a] = r.attemptsLog;
      expect(a.finishedAt).not.toBeNull();
      const ops = (a.connectorCalls as { op: string }[]).map((c) => c.op);
      expect(ops.filter((o) => o === "update_batch")).toHaveLength(1);
      expect(ops.filter((o) => o === "update")).toHaveLength(0);
    }
    for (const r of ok) {
      expect(r.attemptsLog[0].outcome).toBe("succeeded");
      expect(r.fieldChanges[0].appliedValue).toBe(r.fieldChanges[0].newValue);
      expect(r.resultRecordId).toBe(r.recordId);
      expect(r.after).toEqual({ NextStep: r.fieldChanges[0].newValue });
    }

    // Salesforce holds every good value once, and nothing of the bad one
    const { records: final } = await box.sf.query<{ Id: string; NextStep: string; Amount: number }>(
      `SELECT Id, NextStep, Amount FROM Opportunity WHERE Id IN ('${records.join("','")}')`,
    );
    for (const rec of final) {
      const i = records.indexOf(rec.Id);
      if (i === 137) expect(rec.Amount).toBe(1137);
      else expect(rec.NextStep).toBe(`batched #${i}`);
    }
    const historiesAfter = await Promise.all(records.map((r) => box.historyCount(r, "NextStep")));
    historiesAfter.forEach((n, i) => expect(n - histories[i]).toBe(i === 137 ? 0 : 1));

    // the data lane has before/after for each, and the execution lane each call per request
    const written = await db.auditEvent.findMany({
      where: { lane: "data", action: "record.updated", subjectId: { in: ids } },
      select: { subjectId: true, payload: true },
    });
    expect(new Set(written.map((e) => e.subjectId)).size).toBe(199);
    expect(written.some((e) => e.subjectId === bad)).toBe(false);
    const calls = await db.auditEvent.count({
      where: {
        action: "connector.call",
        subjectId: { in: ids },
        payload: { path: ["op"], equals: "update_batch" },
      },
    });
    expect(calls).toBe(200);

    // a batch's jobs that come later find their requests done and write nothing
    for (const id of ids.slice(1, 20)) {
      expect((await executeRequest(id, { workerId: "late-job" })).outcome).toBe("skipped");
    }
    expect(box.sandbox.state().writes.update).toBe(after.writes.update);
    for (const lane of ["data", "execution"] as const) {
      expect((await verifyAuditLane(lane)).ok).toBe(true);
    }
  }, 120_000);

  it("a conflict, a value already there and a missing record each get their own outcome", async () => {
    const records = await newOpportunities(4, "mixed");
    const ids = [
      await request({ recordId: records[0], changes: { NextStep: "plain" } }),
      await request({ recordId: records[1], changes: { NextStep: "a person got there first" } }),
      await request({ recordId: records[2], changes: { NextStep: "changed under us" } }),
      await request({ recordId: records[3], changes: { NextStep: "gone" } }),
      // a second request on the first record: a call may not name a record twice
      await request({ recordId: records[0], changes: { Description: "the same record again" } }),
    ];
    await box.humanEdit("Opportunity", records[1], { NextStep: "a person got there first" });
    await box.humanEdit("Opportunity", records[2], { NextStep: "a person's other plan" });
    await box.sf.delete("Opportunity", records[3]);
    const writes = updateCalls();

    const result = await executeRequest(ids[0], { workerId: "batch-test" });
    expect(result.batch).toHaveLength(3);
    expect(result.batch!.map((b) => b.requestId)).not.toContain(ids[4]);
    const rows = await db.actionRequest.findMany({ where: { id: { in: ids } } });
    const status = (i: number) => rows.find((r) => r.id === ids[i])!;
    expect(status(0).status).toBe("succeeded");
    expect(status(1).status).toBe("succeeded"); // already applied: nothing written
    expect(status(2).status).toBe("pending_approval");
    expect(status(2).lastErrorCode).toBe("CHANGED_SINCE_APPROVAL");
    expect(status(3).lastErrorClass).toBe("not_found");
    expect(updateCalls() - writes).toBe(1);
    expect(status(4).status).toBe("approved");
    expect((await executeRequest(ids[4], { workerId: "batch-test" })).outcome).toBe("succeeded");
    const { record } = await box.sf.read("Opportunity", records[0], ["NextStep", "Description"]);
    expect(record).toMatchObject({ NextStep: "plain", Description: "the same record again" });
    const applied = await db.auditEvent.findFirstOrThrow({
      where: { lane: "data", subjectId: ids[1], action: "record.updated" },
    });
    expect((applied.payload as { alreadyApplied: boolean }).alreadyApplied).toBe(true);
  });

  it("a switch tripped after the claim stops its agent's part at the gate, even when the call fails", async () => {
    const records = await newOpportunities(3, "gated");
    const other = await db.agent.findFirstOrThrow({
      where: { slug: "lead-enrichment-bot", environment: { slug: "prod" } },
    });
    const ids = [
      await request({ recordId: records[0], changes: { NextStep: "gated #0" } }),
      await request({ recordId: records[1], changes: { NextStep: "gated #1" } }),
      await requestFor(box.sf, {
        agentId: other.id,
        environmentId: other.environmentId,
        recordId: records[2],
        changes: { NextStep: "another agent's" },
      }),
    ];
    const since = performance.now();
    const claim = await claimTry(ids[0], "batch-test");
    if (claim.outcome !== "claimed") throw new Error(`claim: ${claim.outcome}`);
    expect(claim.tries.map((t) => t.ar.id).sort()).toEqual([...ids].sort());
    const lease = new Lease(
      claim.holder,
      claim.tries.map((t) => t.ar.id),
      since,
    );
    const admin = await demoUser("admin@tollgate.demo");
    const sw = { scope: "agent" as const, target: claim.tries[0].ar.agentId, reason: "mid-batch" };
    await tripKillSwitch(sw, admin.id);
    // the other agent's write is sent and fails as a whole
    await box.fault({ failNext: { count: 1, status: 503 }, method: "PATCH" });
    try {
      const writes = updateCalls();
      const written = await writeBatchToSalesforce(claim.tries, lease);
      const kind = (id: string) => {
        const o = written.get(id)!.outcome;
        return o.kind === "error" ? `error:${o.errorClass}` : o.kind;
      };
      expect(ids.map(kind)).toEqual(["halted", "halted", "error:unavailable"]);
      expect(updateCalls()).toBe(writes);
    } finally {
      await resetKillSwitch({ ...sw, reason: "test over" }, admin.id);
      await lease.stop();
    }
  });

  it("never two tries on one record at once (15- or 18-character id), and after an unknown outcome a try writes alone", async () => {
    const records = await newOpportunities(4, "one at a time");
    const primary = await request({ recordId: records[0], changes: { NextStep: "primary" } });
    const long = await request({ recordId: records[1], changes: { NextStep: "18" } });
    const short = await request({
      recordId: records[1].slice(0, 15),
      changes: { Description: "15" },
    });
    const afterTimeout = await request({ recordId: records[2], changes: { NextStep: "again" } });
    await db.actionRequest.update({
      where: { id: afterTimeout },
      data: { status: "retrying", lastErrorClass: "timeout", attempts: 1 },
    });
    // a request on records[3] is being written by another worker
    await request({
      recordId: records[3],
      changes: { NextStep: "in flight" },
      status: "executing",
    });
    const waiting = await request({ recordId: records[3], changes: { Description: "waits" } });

    const claim = await claimTry(primary, "batch-test");
    if (claim.outcome !== "claimed") throw new Error(`claim: ${claim.outcome}`);
    const claimed = claim.tries.map((t) => t.ar.id);
    expect(claimed).toHaveLength(2);
    expect(claimed[0]).toBe(primary);
    expect([long, short]).toContain(claimed[1]);
    expect(claimed).not.toContain(afterTimeout);
    expect(claimed).not.toContain(waiting);
    // its own job waits for the other try on its record to finish
    const own = await claimTry(waiting, "batch-test");
    expect(own.outcome).toBe("skipped");
    expect(own.outcome === "skipped" && own.nextAttemptAt).toBeInstanceOf(Date);
    // and the one after a timeout claims alone: its write is conditional again
    const alone = await claimTry(afterTimeout, "batch-test");
    expect(alone.outcome === "claimed" && alone.tries.map((t) => t.ar.id)).toEqual([afterTimeout]);
  });

  it("a field one request cannot read sends each request alone instead of failing them all", async () => {
    const records = await newOpportunities(2, "bad field");
    const good = await request({ recordId: records[0], changes: { NextStep: "still written" } });
    const bad = await request({ recordId: records[1], changes: { NextStep: "never" } });
    await db.fieldChange.updateMany({
      where: { actionRequestId: bad },
      data: { field: "Bogus__c" },
    });
    const result = await executeRequest(good, { workerId: "batch-test" });
    expect(result.outcome).toBe("succeeded");
    expect(result.batch?.map((b) => b.requestId)).toEqual([bad]);
    const row = await db.actionRequest.findUniqueOrThrow({ where: { id: bad } });
    expect(row.lastErrorClass).toBe("validation");
    const { record } = await box.sf.read("Opportunity", records[0], ["NextStep"]);
    expect(record.NextStep).toBe("still written");
  });
});
