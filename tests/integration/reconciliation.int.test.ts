import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRuntimeClient, db } from "@/lib/db";
import { executeRequest } from "@/lib/execution/execute";
import { reconcileEnvironment } from "@/lib/reconcile/reconcile";
import { getReconciliationRun } from "@/lib/reconcile/runs";
import { demoUser, newOpportunities, useExecutionSuite } from "./fixtures/execution";

/**
 * Reconciliation (issue 12): the fields Tollgate wrote in a window, read back from Salesforce
 * and compared — a human edit injected through the sandbox's control route is drift, with who
 * made it from the field history; a deleted record is missing; the rest match.
 */
describe("reconciliation", () => {
  const { box, agent, request } = useExecutionSuite(0);
  const worker = { workerId: "reconcile-test-worker" };
  let opsId: string;
  let from: Date;

  beforeAll(async () => {
    opsId = (await demoUser("ops@tollgate.demo")).id;
    await db.approverGroup.updateMany({
      where: { isOnCall: true },
      data: { webhookUrl: "https://hooks.example.test/oncall" },
    });
  });
  afterAll(() =>
    db.approverGroup.updateMany({ where: { isOnCall: true }, data: { webhookUrl: null } }),
  );

  it("finds a human edit as drift (who, when), a deleted record as missing, the rest matching", async () => {
    from = new Date(Date.now() - 1000);
    const [a, b, c] = await newOpportunities(box, 3, "Reconcile");
    // one at a time: an update's claim would take the others with it as a batch
    const written = async (recordId: string, changes: Record<string, unknown>) => {
      const id = await request({ recordId, changes });
      expect((await executeRequest(id, worker)).outcome).toBe("succeeded");
      return id;
    };
    const ids = [
      await written(a, { StageName: "Negotiation/Review", Amount: 5100 }),
      await written(b, { NextStep: "Send the MSA" }),
      await written(c, { Amount: 9900 }),
    ];
    // a later Tollgate write to the same field is the one checked, not the first
    await written(b, { NextStep: "Send the DPA" });
    await box.humanEdit("Opportunity", a, { Amount: 4800 });
    await box.sf.delete("Opportunity", c);

    const run = await reconcileEnvironment(
      { environmentId: agent.environmentId, from, trigger: "person", requestedById: opsId },
      { connector: box.sf },
    );
    expect(run).toMatchObject({
      status: "done",
      checked: 4,
      matched: 2,
      drifted: 1,
      missing: 1,
      unreadable: 0,
    });
    const { findings } = await getReconciliationRun(run.id);
    expect(findings).toEqual([
      expect.objectContaining({
        kind: "drift",
        recordId: a,
        field: "Amount",
        recorded: 5100,
        current: 4800,
        changedBy: "Morgan Reyes",
        requestId: ids[0],
        agent: "Pipeline hygiene bot",
      }),
      expect.objectContaining({ kind: "missing", recordId: c, field: "Amount", requestId: ids[2] }),
    ]);
    expect(findings[0].changedAt).toBeInstanceOf(Date);

    // drift at the threshold (1): the on-call group's webhook, and the figures audited
    const alert = await db.webhookDelivery.findFirstOrThrow({
      where: { kind: "reconciliation_drift", payload: { path: ["runId"], equals: run.id } },
    });
    expect(alert.target).toBe("group:revops_oncall");
    expect((alert.payload as { text: string }).text).toContain("1 of 4 fields");
    const event = await db.auditEvent.findFirstOrThrow({
      where: { action: "reconciliation.completed", subjectId: run.id },
    });
    expect(event.payload).toMatchObject({ drifted: 1, missing: 1, matched: 2, trigger: "person" });
  });

  it("runs one reconciliation per environment at a time", async () => {
    const runs = await Promise.allSettled([
      reconcileEnvironment(
        { environmentId: agent.environmentId, from, trigger: "schedule" },
        { connector: box.sf },
      ),
      reconcileEnvironment(
        { environmentId: agent.environmentId, from, trigger: "schedule" },
        { connector: box.sf },
      ),
    ]);
    const lost = runs.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(lost.length).toBeLessThanOrEqual(1);
    for (const l of lost) expect(l.reason.code).toBe("state_changed");
    expect(runs.some((r) => r.status === "fulfilled")).toBe(true);
    expect(await db.reconciliationRun.count({ where: { status: "running" } })).toBe(0);
  });

  it("takes over at once from a run whose process died, never from a live one", async () => {
    // a process killed mid-run leaves its row `running` (here: the row, with no lock holder)
    const orphan = await db.reconciliationRun.create({
      data: {
        environmentId: agent.environmentId,
        windowStart: from,
        windowEnd: new Date(),
        trigger: "schedule",
      },
    });
    const run = await reconcileEnvironment(
      { environmentId: agent.environmentId, from, trigger: "schedule" },
      { connector: box.sf },
    );
    expect(run.status).toBe("done");
    expect(
      await db.reconciliationRun.findUniqueOrThrow({ where: { id: orphan.id } }),
    ).toMatchObject({ status: "failed", error: "interrupted: its process stopped" });

    // a live run (another process holding the environment's lock) is waited for, not taken over
    const other = await connectRuntimeClient("reconcile-test-other-process");
    try {
      await other.query(`select pg_advisory_lock(hashtext('tollgate'), hashtext($1))`, [
        `reconcile:${agent.environmentId}`,
      ]);
      await expect(
        reconcileEnvironment(
          { environmentId: agent.environmentId, from, trigger: "person", requestedById: opsId },
          { connector: box.sf },
        ),
      ).rejects.toMatchObject({ code: "state_changed" });
    } finally {
      await other.end();
    }
  });

  it("records a run whose Salesforce read fails as unreadable, never as matching", async () => {
    const [d] = await newOpportunities(box, 1, "Reconcile unreadable");
    const id = await request({ recordId: d, changes: { Amount: 1234 } });
    const since = new Date();
    expect((await executeRequest(id, worker)).outcome).toBe("succeeded");
    const broken = {
      ...box.sf,
      retrieveBatch: async () => {
        throw new Error("Salesforce is unavailable");
      },
      query: box.sf.query.bind(box.sf),
    } as unknown as typeof box.sf;
    const run = await reconcileEnvironment(
      { environmentId: agent.environmentId, from: since, trigger: "schedule" },
      { connector: broken },
    );
    expect(run).toMatchObject({ checked: 1, matched: 0, unreadable: 1, status: "done" });
  });
});
