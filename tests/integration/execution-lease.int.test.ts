import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { claimTry } from "@/lib/execution/claim";
import { executeRequest } from "@/lib/execution/execute";
import { Lease } from "@/lib/execution/lease";
import { recordTries } from "@/lib/execution/record-tries";
import { DEFAULT_RETRY_POLICY } from "@/lib/execution/retry-policy";
import { recoverInterrupted } from "@/lib/execution/sweep";
import { writeToSalesforce } from "@/lib/execution/write";
import { verifyAuditLane } from "@/lib/audit";
import { useExecutionSuite, waitFor } from "./fixtures/execution";

const LEASE_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Execution holds no transaction across Salesforce calls: a claimed try holds a lease on its
 * row. A worker that keeps working keeps its lease; one whose lease ran out and was taken back
 * by the sweep can neither write nor record over the try that came after it.
 */
describe("execution leases", () => {
  const { box, opp, request } = useExecutionSuite(130);
  const row = (id: string) =>
    db.actionRequest.findUniqueOrThrow({
      where: { id },
      include: { attemptsLog: { orderBy: { attemptNumber: "asc" } }, deadLetter: true },
    });

  beforeAll(() => {
    vi.stubEnv("TOLLGATE_EXECUTION_LEASE_MS", String(LEASE_MS));
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it("a worker whose lease ran out writes nothing and cannot record over the newer try", async () => {
    const recordId = opp();
    const id = await request({ recordId, changes: { NextStep: "the newer try's value" } });
    // worker A claims, then stalls (no renewals) past its lease
    const since = performance.now();
    const claimA = await claimTry(id, "worker-a");
    if (claimA.outcome !== "claimed") throw new Error(`claim: ${claimA.outcome}`);
    const [tryA] = claimA.tries;
    const leaseA = new Lease(claimA.holder, [id], since);
    expect(await recoverInterrupted()).not.toContain(id); // still leased
    await sleep(LEASE_MS + 300);
    expect(await recoverInterrupted()).toContain(id);
    expect((await row(id)).status).toBe("retrying");

    // worker A wakes up: the value is not there yet, but its write is refused before it is sent
    const writes = box.sandbox.state().writes.update;
    const late = await writeToSalesforce({ ...tryA.ar }, false, leaseA);
    expect(late.outcome.kind).toBe("lease_lost");
    expect(late.log.map((c) => c.op).filter((o) => o !== "login")).toEqual(["read"]);
    expect(box.sandbox.state().writes.update).toBe(writes);

    // worker B claims the next try; A's outcome (a failure that would dead-letter) is refused
    // while B is in flight…
    const aFailed = {
      ...tryA,
      log: late.log,
      outcome: {
        kind: "error" as const,
        errorClass: "validation" as const,
        code: "STALE",
        message: "late",
      },
    };
    const recordA = async () =>
      (await recordTries(claimA.holder, [aFailed], DEFAULT_RETRY_POLICY, "worker-a")).get(id)
        ?.outcome;
    const sinceB = performance.now();
    const claimB = await claimTry(id, "worker-b");
    if (claimB.outcome !== "claimed") throw new Error(`claim: ${claimB.outcome}`);
    const leaseB = new Lease(claimB.holder, [id], sinceB).start();
    expect(await recordA()).toBe("skipped");
    expect((await row(id)).status).toBe("executing");
    // …and after B recorded its own
    const [tryB] = claimB.tries;
    const wroteB = await writeToSalesforce(tryB.ar, tryB.interrupted, leaseB);
    const recordedB = await recordTries(
      claimB.holder,
      [{ ...tryB, outcome: wroteB.outcome, log: wroteB.log }],
      DEFAULT_RETRY_POLICY,
      "worker-b",
    );
    await leaseB.stop();
    expect(recordedB.get(id)?.outcome).toBe("succeeded");
    expect(await recordA()).toBe("skipped");
    const r = await row(id);
    expect(r.status).toBe("succeeded");
    expect(r.deadLetter).toBeNull();
    expect(r.attemptsLog.map((a) => [a.attemptNumber, a.workerId, a.outcome])).toEqual([
      [1, "worker-a", "interrupted"],
      [2, "worker-b", "succeeded"],
    ]);
    // A's read is on record, marked as recorded by a try that had lost its lease
    const lateCalls = await db.auditEvent.findMany({
      where: { subjectId: id, action: "connector.call", payload: { path: ["late"], equals: true } },
    });
    const calls = lateCalls.map((c) => c.payload as { attempt: number; op: string });
    expect(calls.filter((c) => c.op !== "login")).toEqual([
      expect.objectContaining({ op: "read", attempt: 1 }),
      expect.objectContaining({ op: "read", attempt: 1 }),
    ]);
    const { record } = await box.sf.read("Opportunity", recordId, ["NextStep"]);
    expect(record.NextStep).toBe("the newer try's value");
    expect((await verifyAuditLane("execution")).broken).toBeNull();
  });

  it("a live worker renews its lease through calls longer than it; the sweep leaves it alone", async () => {
    const recordId = opp();
    const id = await request({ recordId, changes: { NextStep: "slow reads" } });
    // each read takes longer than the whole lease; only renewals keep the try
    await box.fault({ latencyMs: LEASE_MS + 1_000, latencyMethod: "GET" });
    const running = executeRequest(id, { workerId: "slow-reader" });
    const recovered: string[] = [];
    const sweeping = (async () => {
      for (let i = 0; i < 12; i++) {
        recovered.push(...(await recoverInterrupted()));
        await sleep(500);
      }
    })();
    const [result] = await Promise.all([running, sweeping]);
    expect(recovered).not.toContain(id);
    expect(result.outcome).toBe("succeeded");
    const r = await row(id);
    expect(r.attemptsLog.map((a) => a.outcome)).toEqual(["succeeded"]);
  });

  it.each([
    ["one request", "1", "update"],
    ["a batch", "200", "update_batch"],
  ])("a write's timeout is cut to end inside the lease (%s)", async (_, batchSize, op) => {
    vi.stubEnv("TOLLGATE_EXECUTION_BATCH_SIZE", batchSize);
    const ids = [await request({ changes: { NextStep: "slow write" } })];
    if (batchSize !== "1") ids.push(await request({ changes: { NextStep: "slow write too" } }));
    await box.fault({ latencyMs: 3 * LEASE_MS, latencyMethod: "PATCH" });
    const result = await executeRequest(ids[0], { workerId: "slow-writer" });
    vi.stubEnv("TOLLGATE_EXECUTION_BATCH_SIZE", undefined);
    expect(result.outcome).toBe("retrying");
    for (const id of ids) {
      const update = await db.auditEvent.findFirstOrThrow({
        where: { subjectId: id, action: "connector.call", payload: { path: ["op"], equals: op } },
      });
      const call = update.payload as { ms: number; errorClass: string };
      expect(call.errorClass).toBe("timeout");
      // over before the lease (renewed just before the write) could run out
      expect(call.ms).toBeLessThan(LEASE_MS);
    }
    // the sandbox still applies the abandoned PATCH when its latency ends: let it, before the next test
    await waitFor(async () => (box.sandbox.state().inFlight.PATCH ?? 0) === 0, {
      what: "the abandoned PATCH to land",
    });
  });
});
