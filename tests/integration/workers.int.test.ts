import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { enqueueExecution } from "@/lib/execution/queue";
import { newOpportunities, useExecutionSuite, waitFor } from "./fixtures/execution";
import { workerProcesses } from "./fixtures/worker-process";

const TERMINAL = ["succeeded", "dead_lettered"] as const;

/**
 * Workers as real processes on one queue: no request runs twice, and a worker SIGKILLed in the
 * middle of a Salesforce write leaves nothing half-done or doubled after a restart.
 */
describe("execution workers (child processes)", () => {
  const { box, request } = useExecutionSuite(60);
  const workers = workerProcesses();
  const startWorker = workers.start;
  const stop = workers.stop;

  /** One approved NextStep change per record, labelled `<label> #<i>`. */
  const approvedOn = async (records: string[], label: string) => {
    const ids: string[] = [];
    for (const [i, recordId] of records.entries()) {
      ids.push(
        await request({
          recordId,
          changes: { NextStep: `${label} #${i}` },
        }),
      );
    }
    return ids;
  };

  beforeAll(async () => {
    // other files leave runnable requests behind; the workers here would run them against this
    // sandbox. Park them, so every write this file counts is its own.
    await db.actionRequest.updateMany({
      where: { status: { in: ["approved", "auto_approved", "retrying", "executing"] } },
      data: { status: "halted", haltedAt: new Date() },
    });
  });
  afterEach(() => workers.stopAll());

  // one request per try (every write conditional), and batches of up to 200 per try
  describe.each([
    ["one per call", "1"],
    ["in batches", "200"],
  ])("%s", (_, batchSize) => {
    const batch = { TOLLGATE_EXECUTION_BATCH_SIZE: batchSize };

    it("two workers on one queue execute 40 requests exactly once each", async () => {
      const records = await newOpportunities(box, 40, `two workers ${batchSize}`);
      const ids = await approvedOn(records, "two workers");
      const histories = await Promise.all(records.map((r) => box.historyCount(r, "NextStep")));
      await Promise.all([startWorker("w-a", batch), startWorker("w-b", batch)]);
      // queue every request twice over, as a lost-then-swept enqueue would
      for (const id of ids) {
        await enqueueExecution(id);
        await enqueueExecution(id);
      }
      await waitFor(
        async () =>
          (await db.actionRequest.count({ where: { id: { in: ids }, status: "succeeded" } })) ===
          ids.length,
        { timeoutMs: 45_000, what: "40 requests to succeed" },
      );
      const attempts = await db.executionAttempt.groupBy({
        by: ["actionRequestId"],
        where: { actionRequestId: { in: ids } },
        _count: true,
      });
      expect(attempts.every((a) => a._count === 1)).toBe(true);
      const workers = await db.executionAttempt.findMany({
        where: { actionRequestId: { in: ids } },
        select: { workerId: true, connectorCalls: true },
      });
      // a batch's calls name it (one call per request names none)
      const batched = workers.filter((w) =>
        (w.connectorCalls as { op: string }[]).some((c) => c.op === "update_batch"),
      );
      expect(batched.length > 0).toBe(batchSize !== "1");
      // one call per request shares the work; a batch may take it all in one call
      if (batchSize === "1") {
        expect(new Set(workers.map((w) => w.workerId))).toEqual(new Set(["w-a", "w-b"]));
      }
      const after = await Promise.all(records.map((r) => box.historyCount(r, "NextStep")));
      after.forEach((n, i) => expect(n - histories[i]).toBe(1));
    });

    it("SIGKILL mid-write: after a restart each request is succeeded once or dead-lettered, never written twice", async () => {
      const records = await newOpportunities(box, 6, `crash ${batchSize}`);
      const ids = await approvedOn(records, "crash test");
      const histories = await Promise.all(records.map((r) => box.historyCount(r, "NextStep")));
      // every PATCH takes 1.5 s: the worker dies with writes in flight, which still land
      await box.fault({ latencyMs: 1_500, latencyMethod: "PATCH" });
      const compositeBefore = box.sandbox.state().requests["PATCH composite"] ?? 0;
      // a short lease, so the restart need not wait long: a write still starts only with its
      // deadline inside it (the 1.5 s PATCHes here fit)
      const grace = { TOLLGATE_EXECUTION_LEASE_MS: "5000" };
      // all six at once: every PATCH is in flight together, none finishes before the kill
      const first = await startWorker("doomed", { ...grace, ...batch, WORKER_CONCURRENCY: "6" });
      for (const id of ids) await enqueueExecution(id);
      // killed while the sandbox holds its PATCHes (one per request, or the batch's one): the
      // reads are done, the writes in flight, and they still land after the kill
      await waitFor(
        async () => (box.sandbox.state().inFlight.PATCH ?? 0) >= (batchSize === "1" ? 2 : 1),
        { what: "PATCHes in flight" },
      );
      await stop(first, "SIGKILL");
      const stuck = await db.actionRequest.count({
        where: { id: { in: ids }, status: "executing" },
      });
      expect(stuck).toBeGreaterThan(0);
      await box.fault({ latencyMs: 0, latencyMethod: null });

      await startWorker("survivor", { ...grace, ...batch });
      await waitFor(
        async () =>
          (await db.actionRequest.count({
            where: { id: { in: ids }, status: { in: [...TERMINAL] } },
          })) === ids.length,
        { timeoutMs: 45_000, what: "every request to finish after the restart" },
      ).catch(async (e) => {
        console.error(
          await db.actionRequest.findMany({
            where: { id: { in: ids } },
            select: {
              id: true,
              status: true,
              attempts: true,
              nextAttemptAt: true,
              lastErrorClass: true,
            },
          }),
          await db.$queryRawUnsafe(
            `select singleton_key, state, start_after, created_on from pgboss.job where singleton_key = any($1) order by singleton_key, created_on`,
            ids,
          ),
        );
        throw e;
      });
      const rows = await db.actionRequest.findMany({
        where: { id: { in: ids } },
        include: { attemptsLog: true },
      });
      // the doomed worker wrote them in one composite call (one call per request: PATCH by row);
      // the survivor's tries, after an interruption, each read and write alone
      const composite = (box.sandbox.state().requests["PATCH composite"] ?? 0) - compositeBefore;
      expect(composite > 0).toBe(batchSize !== "1");
      const interrupted = rows.filter((r) =>
        r.attemptsLog.some((a) => a.outcome === "interrupted"),
      );
      expect(interrupted.length).toBeGreaterThan(0);
      // the killed worker's PATCHes still landed; the retry read them and wrote nothing
      const reconciled = await db.auditEvent.count({
        where: {
          lane: "data",
          subjectId: { in: interrupted.map((r) => r.id) },
          payload: { path: ["alreadyApplied"], equals: true },
        },
      });
      expect(reconciled).toBeGreaterThan(0);
      const after = await Promise.all(records.map((r) => box.historyCount(r, "NextStep")));
      for (const [i, r] of rows.entries()) {
        const idx = ids.indexOf(r.id);
        const written = after[idx] - histories[idx];
        if (r.status === "succeeded") expect(written, `${r.id} (${i})`).toBe(1);
        else expect(written).toBeLessThanOrEqual(1);
      }
      const { records: final } = await box.sf.query<{ Id: string; NextStep: string }>(
        `SELECT Id, NextStep FROM Opportunity WHERE Id IN ('${records.join("','")}')`,
      );
      for (const rec of final) {
        const i = records.indexOf(rec.Id);
        if (rows.find((r) => r.id === ids[i])?.status === "succeeded")
          expect(rec.NextStep).toBe(`crash test #${i}`);
      }
    });
  });
});
