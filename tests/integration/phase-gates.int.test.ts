import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession; the tests hand it the
// session next-auth would build from a signed-in cookie
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db, type ActionRequestStatus } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import { createUserSession } from "@/lib/auth/user-sessions";
import { seedAgent, seedUser } from "@/lib/seed/seed-helpers";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { rollupMetrics } from "@/lib/metrics";
import { importVersion } from "./fixtures/scratch";
import {
  demoteOnBreach,
  evaluateCanaries,
  evaluateGate,
  rollbackFailedCanaries,
  runPhaseGates,
} from "@/lib/gates";
import {
  openIncidentsFromAnomalies,
  openIncidentsFromDeadLetterBursts,
  openIncidentsFromDrift,
} from "@/lib/incidents";
import * as agentRoute from "@/app/api/internal/agents/[id]/route";
import { POST as phasePOST } from "@/app/api/internal/agents/[id]/phase/route";
import { POST as criteriaPOST } from "@/app/api/internal/agents/[id]/criteria/route";
import { GET as gateGET } from "@/app/api/internal/agents/[id]/gate/route";
import { POST as incidentPOST } from "@/app/api/internal/incidents/route";
import { POST as severityPOST } from "@/app/api/internal/incidents/[id]/severity/route";
import { POST as closePOST } from "@/app/api/internal/incidents/[id]/close/route";

const ORIGIN = "http://localhost:3000";
const req = (path: string, body?: unknown) =>
  new Request(`${ORIGIN}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { host: "localhost:3000", origin: ORIGIN, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const params = (id: string) => ({ params: Promise.resolve({ id }) });

/**
 * Phase gates (issue 14 item 4, issue 13 item 2): an agent's phase changes only through a
 * promotion whose criteria are all met (every other door refused, down to plain SQL), a
 * demotion, or the automatic demotion on a breach; incidents opened from drift and dead-letter
 * bursts and triaged by a person, a P0 blocking promotion; a failing workflow canary rolled back.
 */
describe("phase gates", () => {
  type TUser = { id: string; sid: string };
  let ops: TUser;
  let risk: TUser;
  let viewer: TUser;
  let envId: string;
  const agentIds: string[] = [];
  const workflowIds: string[] = [];

  const as = (u: TUser) =>
    vi.mocked(getServerSession).mockResolvedValue({ user: { id: u.id, sid: u.sid }, expires: "" });
  const signedIn = async (roles: ("ops_owner" | "risk_owner" | "viewer")[]) => {
    const u = await seedUser(db, { roles });
    return { id: u.id, sid: await createUserSession(u.id, null) };
  };
  const phase = async (id: string) =>
    (await db.agent.findUniqueOrThrow({ where: { id }, select: { phase: true } })).phase;
  const promote = (id: string, from: string, to: string, reason = "Record meets the gate") =>
    phasePOST(req(`/api/internal/agents/${id}/phase`, { from, to, reason }), params(id));
  const setCriteria = (id: string, over: object = {}) =>
    criteriaPOST(
      req(`/api/internal/agents/${id}/criteria`, {
        minProposals: 20,
        maxReversalRate: 0.02,
        maxExceptionRate: 0.1,
        anomalyFreeDays: 14,
        windowDays: 30,
        autoDemote: false,
        reason: "Small pilot: 20 proposals are enough",
        ...over,
      }),
      params(id),
    );

  async function agent(p: "observe" | "propose" | "execute") {
    const a = await seedAgent(db, { environmentId: envId, ownerId: ops.id, phase: p });
    agentIds.push(a.id);
    return a;
  }

  /** `n` requests of the agent in `status`, created now (in its current phase). */
  async function requests(
    a: { id: string; environmentId: string },
    status: ActionRequestStatus,
    n: number,
    extra: {
      workflowVersionId?: string;
      stage?: boolean;
      tries?: "failed";
      /** the i-th request's creation time (default: now) */
      at?: (i: number) => Date;
    } = {},
  ) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = prefixedId("ar");
      ids.push(id);
      await db.actionRequest.create({
        data: {
          id,
          agentId: a.id,
          environmentId: a.environmentId,
          workflowVersionId: extra.workflowVersionId ?? null,
          idempotencyKey: prefixedId("idem"),
          bodyHash: "0".repeat(64),
          object: "Opportunity",
          status,
          ...(extra.at ? { createdAt: extra.at(i) } : {}),
          fieldChanges: extra.stage
            ? { create: { field: "StageName", newValue: "Negotiation" } }
            : undefined,
          attemptsLog: ["succeeded", "reverted", "failed"].includes(status)
            ? {
                create: { attemptNumber: 1, outcome: status === "failed" ? "failed" : "succeeded" },
              }
            : undefined,
        },
      });
    }
    return ids;
  }
  /** Roll every marked hour up until nothing is left (another file's marks included). */
  async function rollup() {
    while ((await rollupMetrics()) > 0);
  }

  beforeAll(async () => {
    await seedDemoOrg();
    envId = (await db.environment.findUniqueOrThrow({ where: { slug: "dev" } })).id;
    ops = await signedIn(["ops_owner"]);
    risk = await signedIn(["risk_owner"]);
    viewer = await signedIn(["viewer"]);
  });

  afterAll(async () => {
    await db.actionRequest.deleteMany({ where: { agentId: { in: agentIds } } });
    await db.incident.deleteMany({ where: { agentId: { in: agentIds } } });
    await db.agent.deleteMany({ where: { id: { in: agentIds } } });
    await db.$transaction([
      db.$executeRaw`select set_config('tollgate.workflow_version_import', 'on', true)`,
      db.workflowVersion.deleteMany({ where: { workflowId: { in: workflowIds } } }),
    ]);
    await db.workflow.deleteMany({ where: { id: { in: workflowIds } } });
  });

  it("refuses a promotion while a criterion is unmet, and allows it once met", async () => {
    const a = await agent("observe");
    as(ops);
    let res = await promote(a.id, "observe", "propose");
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.code).toBe("criteria_unmet");
    expect(body.detail).toContain("At least 200 proposals in observe phase");
    expect(body.errors.map((u: { path: string }) => u.path)).toEqual(["criteria.proposals"]);
    expect(await phase(a.id)).toBe("observe");
    expect(await db.phaseChange.count({ where: { agentId: a.id } })).toBe(0);

    // the risk owner lowers the bar; an ops owner cannot, a risk owner cannot promote
    as(ops);
    expect((await setCriteria(a.id)).status).toBe(403);
    as(risk);
    expect((await setCriteria(a.id, { maxReversalRate: 1.5 })).status).toBe(400);
    expect((await setCriteria(a.id)).status).toBe(200);
    expect((await promote(a.id, "observe", "propose")).status).toBe(403);
    const audit = await db.auditEvent.findFirstOrThrow({
      where: { action: "promotion_criteria.set", subjectId: a.id },
    });
    expect(audit).toMatchObject({ lane: "config", actorUserId: risk.id });
    expect(audit.reasonText).toBe("Small pilot: 20 proposals are enough");

    await requests(a, "observed", 19);
    await rollup();
    as(ops);
    res = await promote(a.id, "observe", "propose");
    expect(res.status).toBe(409);
    expect((await res.json()).detail).toContain("19 proposals");

    await requests(a, "observed", 1);
    await rollup();
    const gate = await (
      await gateGET(req(`/api/internal/agents/${a.id}/gate`), params(a.id))
    ).json();
    expect(gate.gate.allMet).toBe(true);
    const proposals = gate.gate.checks.find((c: { key: string }) => c.key === "proposals");
    expect(proposals).toMatchObject({ met: true, value: 20, threshold: 20 });
    expect(proposals.links[0].href).toContain(`agent=${a.id}`);
    // observe → execute skips a phase: refused even with the gate met
    res = await promote(a.id, "observe", "execute");
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe("invalid_transition");

    res = await promote(a.id, "observe", "propose");
    expect(res.status).toBe(200);
    expect(await phase(a.id)).toBe("propose");
    const change = await db.phaseChange.findFirstOrThrow({ where: { agentId: a.id } });
    expect(change).toMatchObject({ fromPhase: "observe", toPhase: "propose", kind: "promotion" });
    const promoted = await db.auditEvent.findFirstOrThrow({
      where: { action: "agent.promoted", subjectId: a.id },
    });
    expect(promoted).toMatchObject({ lane: "config", actorUserId: ops.id });
    expect(promoted.reasonText).toBe("Record meets the gate");

    // in propose phase the record starts again: nothing proposed since the promotion… except
    // the promotion's own hour, counted whole; the rates now apply and nothing was written
    const next = await evaluateGate(a.id);
    expect(next.phase).toBe("propose");
    expect(next.checks.find((c) => c.key === "reversal")).toMatchObject({
      applies: true,
      met: false,
    });
  });

  it("refuses a phase change through every other door", async () => {
    const a = await agent("observe");
    as(ops);
    // the agent edit route: a phase in the body is refused by its strict schema
    const edit = await agentRoute.POST(
      req(`/api/internal/agents/${a.id}`, {
        name: a.name,
        ownerId: ops.id,
        callsPerMinute: 120,
        writesPerHour: 500,
        expectedUpdatedAt: a.updatedAt.toISOString(),
        phase: "execute",
      }),
      params(a.id),
    );
    expect(edit.status).toBe(400);
    // no PATCH or PUT on the agent route at all
    expect(Object.keys(agentRoute).sort()).toEqual(["GET", "POST"]);
    // a viewer on the phase route
    as(viewer);
    expect((await promote(a.id, "observe", "propose")).status).toBe(403);
    // the application's own Prisma client, and plain SQL: the trigger refuses both
    await expect(
      db.agent.update({ where: { id: a.id }, data: { phase: "execute" } }),
    ).rejects.toThrow(/changes phase only through a promotion or demotion/);
    await expect(
      db.$executeRaw`UPDATE "Agent" SET phase = 'execute' WHERE id = ${a.id}`,
    ).rejects.toThrow(/changes phase only through a promotion or demotion/);
    // a transaction that allowed another agent cannot move this one
    const other = await agent("observe");
    await expect(
      db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT set_config('tollgate.phase_change', ${other.id}, true)`;
        await tx.$executeRaw`UPDATE "Agent" SET phase = 'execute' WHERE id = ${a.id}`;
      }),
    ).rejects.toThrow(/changes phase only/);
    // other columns still change as before
    await db.agent.update({ where: { id: a.id }, data: { callsPerMinute: 60 } });
    expect(await phase(a.id)).toBe("observe");
  });

  it("judges a rate only on 20 writes, counts proposals from the phase's start, and an old open P0", async () => {
    const a = await agent("propose");
    await requests(a, "succeeded", 5);
    await rollup();
    let gate = await evaluateGate(a.id);
    const check = (key: string) => gate.checks.find((c: { key: string }) => c.key === key)!;
    expect(check("proposals").value).toBe(5);
    // 0% reversal on 5 writes is not evidence
    expect(check("reversal")).toMatchObject({ value: 0, met: false });
    expect(check("reversal").evidence).toContain("too few to judge");
    await requests(a, "succeeded", 20);
    await rollup();
    gate = await evaluateGate(a.id);
    expect(check("reversal")).toMatchObject({ value: 0, met: true });
    expect(check("proposals").value).toBe(25);
    // a P0 opened long before the window, still open, still blocks
    await db.incident.create({
      data: {
        source: "manual",
        sourceRef: `old-${a.id}`,
        agentId: a.id,
        environmentId: a.environmentId,
        title: "Old data incident",
        openedAt: new Date(Date.now() - 400 * 24 * 3_600_000),
        severity: "P0",
      },
    });
    gate = await evaluateGate(a.id);
    expect(check("incidents")).toMatchObject({ value: 1, met: false });
  });

  it("lets one of two concurrent promotions win", async () => {
    const a = await agent("observe");
    as(risk);
    expect((await setCriteria(a.id, { minProposals: 5 })).status).toBe(200);
    await requests(a, "observed", 5);
    await rollup();
    as(ops);
    const results = await Promise.all([
      promote(a.id, "observe", "propose", "first person"),
      promote(a.id, "observe", "propose", "second person"),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect((await loser.json()).code).toBe("state_changed");
    expect(await phase(a.id)).toBe("propose");
    expect(await db.phaseChange.count({ where: { agentId: a.id } })).toBe(1);
  });

  it("demotes with a reason, and automatically on a breach in execute phase", async () => {
    const manual = await agent("execute");
    as(ops);
    let res = await promote(manual.id, "execute", "observe", "");
    expect(res.status).toBe(400);
    res = await promote(manual.id, "execute", "observe", "Pausing writes for the audit");
    expect(res.status).toBe(200);
    expect(await phase(manual.id)).toBe("observe");

    const on = await agent("execute");
    const off = await agent("execute");
    as(risk);
    expect((await setCriteria(on.id, { autoDemote: true })).status).toBe(200);
    expect((await setCriteria(off.id, { autoDemote: false })).status).toBe(200);
    for (const a of [on, off]) {
      await requests(a, "succeeded", 45);
      await requests(a, "reverted", 5);
    }
    await rollup();
    const gate = await evaluateGate(on.id);
    expect(gate.record).toMatchObject({ writes: 50, reverted: 5, reversalRate: 0.1 });
    expect(gate.breaches).toEqual(["reversal"]);

    const demoted = await demoteOnBreach();
    expect(demoted).toContain(on.id);
    expect(demoted).not.toContain(off.id);
    expect(await phase(on.id)).toBe("propose");
    expect(await phase(off.id)).toBe("execute");
    const change = await db.phaseChange.findFirstOrThrow({ where: { agentId: on.id } });
    expect(change).toMatchObject({ kind: "auto_demotion", actorId: null, toPhase: "propose" });
    expect(change.reason).toContain("Reversal rate under 2 % breached");
    const event = await db.auditEvent.findFirstOrThrow({
      where: { action: "agent.demoted", subjectId: on.id },
    });
    expect(event).toMatchObject({ lane: "config", actorType: "system" });
    // idempotent: a second run (or a second leader) finds nothing to do
    expect(await demoteOnBreach()).not.toContain(on.id);
    expect(await db.phaseChange.count({ where: { agentId: on.id } })).toBe(1);
  });

  it("opens incidents from dead-letter bursts and drift, and a P0 blocks promotion", async () => {
    const a = await agent("observe");
    as(risk);
    expect((await setCriteria(a.id, { minProposals: 1 })).status).toBe(200);
    await requests(a, "observed", 1);
    // five dead letters in a minute: a burst (TOLLGATE_DEAD_LETTER_BURST_COUNT = 5 by default)
    const dead = await requests(a, "dead_lettered", 5);
    for (const id of dead) {
      await db.deadLetter.create({
        data: { actionRequestId: id, errorClass: "validation", errorMessage: "bad value" },
      });
    }
    // a reconciliation run that found one field drifted
    const run = await db.reconciliationRun.create({
      data: {
        environmentId: envId,
        windowStart: new Date(Date.now() - 3_600_000),
        windowEnd: new Date(),
        trigger: "schedule",
        status: "done",
        drifted: 1,
      },
    });
    const [written] = await requests(a, "succeeded", 1);
    await db.reconciliationFinding.create({
      data: {
        runId: run.id,
        actionRequestId: written,
        object: "Opportunity",
        recordId: "006000000000001AAA",
        field: "StageName",
        kind: "drift",
      },
    });
    await rollup();
    expect(await openIncidentsFromDeadLetterBursts()).toBeGreaterThanOrEqual(1);
    expect(await openIncidentsFromDrift()).toBeGreaterThanOrEqual(1);
    // again: nothing new
    expect(await runPhaseGates()).toBe(0);
    // a later run that finds the same drift again opens nothing
    const later = await db.reconciliationRun.create({
      data: {
        environmentId: envId,
        windowStart: new Date(Date.now() - 1_800_000),
        windowEnd: new Date(),
        trigger: "schedule",
        status: "done",
        drifted: 1,
        startedAt: new Date(Date.now() + 1_000),
      },
    });
    await db.reconciliationFinding.create({
      data: {
        runId: later.id,
        actionRequestId: written,
        object: "Opportunity",
        recordId: "006000000000001AAA",
        field: "StageName",
        kind: "drift",
      },
    });
    expect(await openIncidentsFromDrift()).toBe(0);
    const incidents = await db.incident.findMany({
      where: { agentId: a.id },
      orderBy: { source: "asc" },
    });
    expect(incidents.map((i) => [i.source, i.severity])).toEqual([
      ["dead_letter_burst", null],
      ["reconciliation_drift", null],
    ]);
    expect(incidents[0].title).toBe("5 dead letters in 15 minutes");

    // untriaged incidents block the promotion
    as(ops);
    let res = await promote(a.id, "observe", "propose");
    expect(res.status).toBe(409);
    expect((await res.json()).detail).toContain("2 open incidents without a severity");

    // triage: a viewer may not; a reason is required; P0 on one, P3 on the other
    const [burst, drift] = incidents;
    const severity = (id: string, body: object) =>
      severityPOST(req(`/api/internal/incidents/${id}/severity`, body), params(id));
    as(viewer);
    expect((await severity(burst.id, { severity: "P3", reason: "noise" })).status).toBe(403);
    as(ops);
    expect((await severity(burst.id, { severity: "P3", reason: "" })).status).toBe(400);
    expect((await severity(burst.id, { severity: "P5", reason: "noise" })).status).toBe(400);
    expect((await severity(burst.id, { severity: "P3", reason: "Validation noise" })).status).toBe(
      200,
    );
    expect(
      (await severity(drift.id, { severity: "P0", reason: "Stage overwritten in prod" })).status,
    ).toBe(200);
    const triaged = await db.auditEvent.findFirstOrThrow({
      where: { action: "incident.severity_set", subjectId: drift.id },
    });
    expect(triaged).toMatchObject({ lane: "config", actorUserId: ops.id });

    const gate = await evaluateGate(a.id);
    expect(gate.record.p0Incidents).toBe(1);
    res = await promote(a.id, "observe", "propose");
    expect(res.status).toBe(409);
    expect((await res.json()).detail).toContain("1 P0 incidents");

    // closing a P0 does not undo it: it still counts in the window
    expect(
      (
        await closePOST(
          req(`/api/internal/incidents/${drift.id}/close`, { reason: "Restored" }),
          params(drift.id),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await closePOST(
          req(`/api/internal/incidents/${drift.id}/close`, { reason: "again" }),
          params(drift.id),
        )
      ).status,
    ).toBe(409);
    expect((await severity(drift.id, { severity: "P2", reason: "late" })).status).toBe(409);
    expect((await promote(a.id, "observe", "propose")).status).toBe(409);

    // a person's own incident about another agent, triaged P2: it does not block
    const b = await agent("observe");
    as(risk);
    expect((await setCriteria(b.id, { minProposals: 1 })).status).toBe(200);
    await requests(b, "observed", 1);
    await rollup();
    as(ops);
    const opened = await incidentPOST(
      req("/api/internal/incidents", {
        agentId: b.id,
        title: "Odd owner changes",
        reason: "Seen by RevOps",
      }),
      { params: Promise.resolve({}) },
    );
    expect(opened.status).toBe(200);
    const { id } = await opened.json();
    expect((await promote(b.id, "observe", "propose")).status).toBe(409);
    expect((await severity(id, { severity: "P2", reason: "Contained" })).status).toBe(200);
    expect((await promote(b.id, "observe", "propose")).status).toBe(200);
  });

  it("counts anomalies (lib/anomalies) against the gate, demotes on one, and logs it as an incident", async () => {
    const a = await agent("execute");
    as(risk);
    expect((await setCriteria(a.id, { autoDemote: true, minProposals: 0 })).status).toBe(200);
    expect((await evaluateGate(a.id)).checks.find((c) => c.key === "anomalies")).toMatchObject({
      met: true,
      value: 0,
    });
    const type = await db.actionType.findUniqueOrThrow({
      where: { key: "opportunity.change_stage" },
    });
    const now = new Date();
    const anomaly = await db.anomaly.create({
      data: {
        agentId: a.id,
        environmentId: a.environmentId,
        actionTypeId: type.id,
        windowStart: new Date(now.getTime() - 600_000),
        windowEnd: now,
        observed: 240,
        baseline: 12,
        scale: 4,
        zThreshold: 6,
        minCount: 30,
        score: 57,
        peakObserved: 240,
        peakScore: 57,
        action: "alerted",
        actionDetail: "webhook queued",
      },
    });
    const gate = await evaluateGate(a.id);
    expect(gate.checks.find((c) => c.key === "anomalies")).toMatchObject({
      met: false,
      breached: true,
      value: 1,
    });
    expect(await demoteOnBreach()).toContain(a.id);
    expect(await phase(a.id)).toBe("propose");
    expect(await openIncidentsFromAnomalies()).toBe(1);
    expect(await openIncidentsFromAnomalies()).toBe(0);
    const incident = await db.incident.findFirstOrThrow({ where: { agentId: a.id } });
    expect(incident).toMatchObject({ source: "anomaly", sourceRef: anomaly.id, severity: null });
    expect(incident.title).toBe(
      "Spike of opportunity.change_stage: 240 requests in 10 minutes, expected about 12.0 (alerted)",
    );
    await db.anomaly.delete({ where: { id: anomaly.id } });
  });

  it("rolls back a canary whose stage conversion drops significantly", async () => {
    const a = await agent("execute");
    const make = async (rollout: number) => {
      const key = `wf-gates-${prefixedId("w").slice(-6).toLowerCase()}`;
      const wf = await db.workflow.create({ data: { key, name: key, ownerId: ops.id } });
      workflowIds.push(wf.id);
      const since = new Date(Date.now() - 3_600_000);
      const baseline = await importVersion({
        workflowId: wf.id,
        version: 1,
        status: "published",
        rolloutPercent: 100,
        publishedAt: since,
      });
      const canary = await importVersion({
        workflowId: wf.id,
        version: 2,
        status: "published",
        rolloutPercent: rollout,
        publishedAt: since,
      });
      return { wf, baseline, canary };
    };
    const failing = await make(25);
    const healthy = await make(5);
    const t0 = Date.now() - 3_000_000;
    /**
     * A cohort arriving over time (the looks read it in creation order): n stage changes, one
     * every `gapMs`, x of them succeeded spread evenly among the denied ones.
     */
    const cohort = async (versionId: string, x: number, n: number, gapMs: number) => {
      for (let i = 0; i < n; i++) {
        const ok = Math.floor(((i + 1) * x) / n) > Math.floor((i * x) / n);
        await requests(a, ok ? "succeeded" : "denied", 1, {
          workflowVersionId: versionId,
          stage: true,
          at: () => new Date(t0 + i * gapMs),
        });
      }
    };
    // failing: canary 30 of 100 stage changes stand, baseline 120 of 200; at the first look
    // (30 canary, 59 baseline): 9/30 vs 35/59, z = −2.62, p = 0.0044 < 0.05 / 6
    await cohort(failing.canary.id, 30, 100, 20_000);
    await cohort(failing.baseline.id, 120, 200, 10_000);
    // healthy: 58 of 100 vs 120 of 200
    await cohort(healthy.canary.id, 58, 100, 20_000);
    await cohort(healthy.baseline.id, 120, 200, 10_000);
    // requests without a stage change are not in the cohorts
    await requests(a, "denied", 30, { workflowVersionId: healthy.canary.id });
    await rollup();

    const [f] = await evaluateCanaries(new Date(), failing.wf.id);
    expect(f.cohorts).toEqual({ canary: { n: 100, x: 30 }, baseline: { n: 200, x: 120 } });
    // all data: pooled 150/300, se = √(0.25 × (1/100 + 1/200)) = 0.061237, z = −0.3 / se
    expect(f.test!.z).toBeCloseTo(-4.899, 3);
    expect(f.looks.map((l) => [l.n1, l.x1, l.n2, l.x2])).toEqual([
      [30, 9, 59, 35],
      [60, 18, 119, 71],
    ]);
    expect(f.looks[0].failed).toBe(true);
    expect(f.checks[0].failed).toBe(true);
    expect(f.nextLook).toEqual({ n: 120, threshold: 0.05 / 6 });
    const [h] = await evaluateCanaries(new Date(), healthy.wf.id);
    expect(h.cohorts.canary).toEqual({ n: 100, x: 58 });
    expect(h.looks).toHaveLength(2);
    expect(h.failed).toBe(false);

    // TOLLGATE_CANARY_MANUAL_ONLY: evaluated and recorded, never rolled back
    expect(await rollbackFailedCanaries(new Date(), failing.wf.id, true)).toBe(0);
    expect(
      await db.canaryEvaluation.findUnique({ where: { workflowVersionId: failing.canary.id } }),
    ).toMatchObject({ failed: true, looks: 2 });
    expect(await rollbackFailedCanaries(new Date(), failing.wf.id)).toBe(1);
    expect(await rollbackFailedCanaries(new Date(), healthy.wf.id)).toBe(0);
    const versions = await db.workflowVersion.findMany({
      where: { id: { in: [failing.canary.id, healthy.canary.id] } },
      select: { id: true, status: true },
    });
    expect(Object.fromEntries(versions.map((v) => [v.id, v.status]))).toEqual({
      [failing.canary.id]: "retired",
      [healthy.canary.id]: "published",
    });
    const event = await db.auditEvent.findFirstOrThrow({
      where: { action: "workflow_version.rolled_back", subjectId: failing.canary.id },
    });
    expect(event).toMatchObject({ lane: "config", actorType: "system" });
    expect(event.reasonText).toContain("No significant drop in stage conversion");
    expect(event.evidence).toMatchObject({
      failed: [{ key: "conversion" }],
      look: { look: 1, x1: 9, n1: 30, x2: 35, n2: 59 },
    });
    // idempotent
    expect(await rollbackFailedCanaries(new Date(), failing.wf.id)).toBe(0);
  });
});
