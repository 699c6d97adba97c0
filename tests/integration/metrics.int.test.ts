import { beforeAll, describe, expect, it } from "vitest";
import { db, type ActionRequestStatus } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import { seedUser } from "@/lib/seed/seed-helpers";
import { getMetrics, rollupMetrics } from "@/lib/metrics";
import { listRequests } from "@/lib/requests";
import { BUCKETS, bucketOf, EDGES_MS, quantileMs } from "@/lib/metrics/histogram";
import { useScratch } from "./fixtures/scratch";

/**
 * The leadership metrics (issue 14): a seeded history is rolled up by the job's step, and every
 * figure of the dashboard equals the same figure counted here straight from the requests — in
 * JavaScript over the rows, not with the rollup's SQL. A change made by plain SQL (no app code)
 * is counted too: the triggers mark it, whichever door it came through.
 */
describe("metrics", () => {
  const s = useScratch();
  // the history lives in January 2002 (and December 2001 for the period before), away from
  // everything else in the shared database; the dashboard is asked "as of" 31 January 2002
  const NOW = new Date(Date.UTC(2002, 0, 31, 12, 30));
  const at = (day: number, hour = 10, minute = 0) => new Date(Date.UTC(2002, 0, day, hour, minute));
  let a: { id: string; environmentId: string };
  let b: { id: string; environmentId: string };
  let types: { id: string; key: string }[];
  let approver: { id: string };
  let runId: string;

  type TSeed = {
    agent: { id: string; environmentId: string };
    status: ActionRequestStatus;
    createdAt: Date;
    actionType?: number;
    approverRole?: string;
    /** minutes after proposal a person decided */
    decidedAfter?: number;
    slaMinutes?: number;
    /** minutes after proposal it was written */
    completedAfter?: number;
    tries?: ("succeeded" | "failed" | "conflict")[];
    drift?: boolean;
    revertOf?: string;
  };

  async function make(x: TSeed) {
    const id = prefixedId("ar");
    const plus = (min?: number) =>
      min === undefined ? null : new Date(x.createdAt.getTime() + min * 60_000);
    await db.actionRequest.create({
      data: {
        id,
        agentId: x.agent.id,
        environmentId: x.agent.environmentId,
        actionTypeId: types[x.actionType ?? 0].id,
        idempotencyKey: prefixedId("idem"),
        bodyHash: "0".repeat(64),
        object: "Opportunity",
        status: x.status,
        createdAt: x.createdAt,
        approverRole: x.approverRole ?? null,
        decidedAt: plus(x.decidedAfter),
        slaDueAt: plus(x.slaMinutes),
        completedAt: plus(x.completedAfter),
        revertsId: x.revertOf ?? null,
      },
    });
    if (x.decidedAfter !== undefined && x.approverRole) {
      await db.approval.create({
        data: { actionRequestId: id, approverId: approver.id, decision: "approved" },
      });
    }
    for (const [i, outcome] of (x.tries ?? []).entries()) {
      await db.executionAttempt.create({
        data: { actionRequestId: id, attemptNumber: i + 1, outcome },
      });
    }
    if (x.drift) {
      await db.reconciliationFinding.create({
        data: {
          runId,
          actionRequestId: id,
          object: "Opportunity",
          recordId: "006000000000001",
          field: "StageName",
          kind: "drift",
        },
      });
    }
    return id;
  }

  /** The job's step until nothing is left to recompute (other files mark pairs too). */
  async function rollup() {
    while ((await rollupMetrics()) > 0);
  }

  const seeds: TSeed[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    a = await s.agent("dev");
    b = await s.agent("prod");
    types = await db.actionType.findMany({ take: 2, orderBy: { key: "asc" } });
    approver = await seedUser(db, { name: "Metrics Approver", roles: ["approver"] });
    runId = (
      await db.reconciliationRun.create({
        data: {
          environmentId: a.environmentId,
          windowStart: at(1),
          windowEnd: at(31),
          trigger: "schedule",
          status: "done",
        },
      })
    ).id;
    // a deterministic mix over the month, both agents, two action types
    for (let i = 0; i < 60; i++) {
      const agent = i % 3 === 0 ? b : a;
      const createdAt = at(1 + (i % 28), 8 + (i % 9), (i * 7) % 60);
      const kind = i % 10;
      const human = i % 2 === 0 ? { approverRole: "deal_desk", decidedAfter: 5 + i * 11 } : {};
      const sla = i % 4 === 0 ? { slaMinutes: 240 } : {};
      const base = { agent, createdAt, actionType: i % 2, ...human, ...sla };
      const seed: TSeed =
        kind < 4
          ? { ...base, status: "succeeded", completedAfter: 30 + i * 13, tries: ["succeeded"] }
          : kind === 4
            ? { ...base, status: "reverted", completedAfter: 60, tries: ["succeeded"] }
            : kind === 5
              ? {
                  ...base,
                  status: "succeeded",
                  completedAfter: 90,
                  tries: ["conflict", "succeeded"],
                  drift: true,
                }
              : kind === 6
                ? { ...base, status: "dead_lettered", tries: ["failed", "failed"] }
                : kind === 7
                  ? { ...base, status: "denied", approverRole: "deal_desk", decidedAfter: 400 }
                  : kind === 8
                    ? { ...base, status: "pending_approval", approverRole: "deal_desk" }
                    : { ...base, status: "failed", tries: ["conflict", "failed"] };
      seeds.push(seed);
      ids.push(await make(seed));
    }
    // the period before (December 2001): 4 writes of agent a, one reverted
    for (let i = 0; i < 4; i++) {
      const seed: TSeed = {
        agent: a,
        status: i === 0 ? "reverted" : "succeeded",
        createdAt: new Date(Date.UTC(2001, 11, 20 + i, 9)),
        completedAfter: 10,
        tries: ["succeeded"],
      };
      seeds.push(seed);
      ids.push(await make(seed));
    }
    // dead-lettered by its claim, no try recorded: an exception all the same
    const noTry: TSeed = { agent: a, status: "dead_lettered", createdAt: at(20, 15) };
    seeds.push(noTry);
    ids.push(await make(noTry));
    // a person's revert of one of them: not the agent's work, never counted
    await make({ agent: a, status: "succeeded", createdAt: at(15), revertOf: ids[4] });
    await rollup();
  });

  /** The figures counted here, from the seeds, for a selection of them. */
  function expected(pick: (x: TSeed) => boolean) {
    const xs = seeds.filter((x) => !x.revertOf && pick(x));
    const writes = xs.filter((x) => x.status === "succeeded" || x.status === "reverted");
    const executed = xs.filter((x) => (x.tries ?? []).length > 0 || x.status === "dead_lettered");
    const exceptions = executed.filter(
      (x) =>
        x.status === "failed" ||
        x.status === "dead_lettered" ||
        (x.tries ?? []).includes("conflict"),
    );
    const human = xs.filter((x) => x.decidedAfter !== undefined && x.approverRole);
    const slaKnown = human.filter((x) => x.slaMinutes !== undefined);
    const hist = (mins: number[]) => {
      const h = Array<number>(BUCKETS).fill(0);
      for (const m of mins) h[bucketOf(m * 60_000)]++;
      return h;
    };
    const reverted = xs.filter((x) => x.status === "reverted").length;
    const drifted = xs.filter((x) => x.status === "succeeded" && x.drift).length;
    return {
      proposed: xs.length,
      writes: writes.length,
      reverted,
      drifted,
      reversalRate: writes.length ? (reverted + drifted) / writes.length : null,
      executed: executed.length,
      exceptionRate: executed.length ? exceptions.length / executed.length : null,
      humanDecided: human.length,
      slaAdherence: slaKnown.length
        ? slaKnown.filter((x) => x.decidedAfter! <= x.slaMinutes!).length / slaKnown.length
        : null,
      decisionP50Ms: quantileMs(hist(human.map((x) => x.decidedAfter!)), 0.5),
      cycleP90Ms: quantileMs(
        hist(writes.filter((x) => x.completedAfter !== undefined).map((x) => x.completedAfter!)),
        0.9,
      ),
      refused: xs.filter((x) => x.status === "denied").length,
      open: xs.filter((x) => x.status === "pending_approval").length,
    };
  }
  // the dashboard's period: the 30 UTC days to the end of NOW's day, and the 30 days before
  const TO = Date.UTC(2002, 1, 1);
  const FROM = TO - 30 * 86_400_000;
  const inJanuary = (x: TSeed) => x.createdAt.getTime() >= FROM && x.createdAt.getTime() < TO;
  const before = (x: TSeed) =>
    x.createdAt.getTime() >= FROM - 30 * 86_400_000 && x.createdAt.getTime() < FROM;

  it("equals what the requests say, for the period and the one before, per agent and action type", async () => {
    const m = await getMetrics({ days: "30", agent: a.id }, NOW);
    const want = expected((x) => x.agent === a && inJanuary(x));
    expect(want.proposed).toBeGreaterThan(30);
    expect(want.drifted).toBeGreaterThan(0);
    expect(m.current).toMatchObject(want);
    // the 30 days before: only December's four writes, one reverted
    expect(m.period).toMatchObject({
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
    });
    expect(m.previous).toMatchObject(expected((x) => x.agent === a && before(x)));
    // December's four writes (one reverted) and 1 January
    expect(m.previous.reverted).toBeGreaterThanOrEqual(1);
    // the day rollups agree with the hour rollups they are summed from
    const [sums] = await db.$queryRaw<{ hours: number; days: number }[]>`
      select (select sum(proposed) from "MetricHour" where "agentId" = ${a.id})::int as hours,
        (select sum(proposed) from "MetricDay" where "agentId" = ${a.id})::int as days`;
    expect(sums.days).toBe(sums.hours);

    // the figure's link lists exactly what it counts (the agent's own requests, no revert)
    const listed = await listRequests({
      agent: a.id,
      origin: "agent",
      status: "reverted",
      from: m.period.from,
      to: m.period.to,
      limit: "200",
    });
    expect(listed.items).toHaveLength(want.reverted);
    const everything = await listRequests({
      agent: a.id,
      from: m.period.from,
      to: m.period.to,
      limit: "200",
    });
    expect(everything.items.length).toBe(want.proposed + 1); // + the person's revert

    // per action type, within the agent
    for (const [i, t] of types.entries()) {
      const row = m.byActionType.find((r) => r.id === t.id)!;
      expect(row.figures).toMatchObject(
        expected((x) => x.agent === a && inJanuary(x) && (x.actionType ?? 0) === i),
      );
    }
    // the day series adds up to the period
    const days = m.series.reduce((n, d) => n + d.figures.proposed, 0);
    expect(days).toBe(want.proposed);
    expect(m.series).toHaveLength(30);
    const first = m.series.find((d) => d.day === "2002-01-02")!;
    expect(first.figures.proposed).toBe(
      seeds.filter(
        (x) => x.agent === a && !x.revertOf && x.createdAt.getUTCDate() === 2 && inJanuary(x),
      ).length,
    );

    // both agents: each its own row; the approver group's decisions
    const both = await getMetrics({ days: "30" }, NOW);
    const mine = (r: { id: string }) => r.id === a.id || r.id === b.id;
    expect(both.byAgent.filter(mine)).toHaveLength(2);
    // the same agent name in two environments reads apart
    const env = await db.environment.findUniqueOrThrow({ where: { id: b.environmentId } });
    expect(both.byAgent.find((r) => r.id === b.id)!.name).toMatch(new RegExp(`\\(${env.name}\\)$`));
    expect(both.byAgent.find((r) => r.id === b.id)!.figures).toMatchObject(
      expected((x) => x.agent === b && inJanuary(x)),
    );
  });

  it("counts a change made by plain SQL, and recomputes only what changed", async () => {
    const want = expected((x) => x.agent === a && inJanuary(x));
    // a succeeded write of agent a becomes reverted behind the application's back
    const i = seeds.findIndex(
      (x) => x.agent === a && inJanuary(x) && x.status === "succeeded" && !x.drift,
    );
    await db.$executeRaw`update "ActionRequest" set status = 'reverted' where id = ${ids[i]}`;
    const dirty = await db.metricDirty.count();
    expect(dirty).toBeGreaterThan(0);
    await rollup();
    const m = await getMetrics({ days: "30", agent: a.id }, NOW);
    expect(m.current.reverted).toBe(want.reverted + 1);
    expect(m.current.reversalRate).toBeCloseTo(
      (want.reverted + 1 + want.drifted) / want.writes,
      10,
    );
    seeds[i] = { ...seeds[i], status: "reverted" };

    // a drift found later counts the write as drifted
    const j = seeds.findIndex(
      (x) => x.agent === a && inJanuary(x) && x.status === "succeeded" && !x.drift,
    );
    await db.reconciliationFinding.create({
      data: {
        runId,
        actionRequestId: ids[j],
        object: "Opportunity",
        recordId: "006000000000002",
        field: "Amount",
        kind: "drift",
      },
    });
    seeds[j] = { ...seeds[j], drift: true };
    await rollup();
    expect((await getMetrics({ days: "30", agent: a.id }, NOW)).current).toMatchObject(
      expected((x) => x.agent === a && inJanuary(x)),
    );
  });

  it("two rollups at once (two workers) count every request once", async () => {
    await db.$executeRaw`
      insert into "MetricDirty" (hour, "agentId")
      select date_trunc('hour', "createdAt"), "agentId" from "ActionRequest"
      where "agentId" in (${a.id}, ${b.id})`;
    await Promise.all([rollupMetrics(), rollupMetrics(), rollupMetrics()]);
    await rollup();
    const m = await getMetrics({ days: "30", agent: a.id }, NOW);
    expect(m.current).toMatchObject(expected((x) => x.agent === a && inJanuary(x)));
    const rows = await db.metricHour.findMany({ where: { agentId: a.id } });
    const keys = rows.map((r) => `${r.hour.toISOString()}|${r.actionTypeId}|${r.approverRole}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows.reduce((n, r) => n + r.proposed, 0)).toBe(
      seeds.filter((x) => x.agent === a && !x.revertOf).length,
    );
  });

  it("one run drains a pair's many marks (a request leaves one per change)", async () => {
    await db.$executeRaw`
      insert into "MetricDirty" (hour, "agentId")
      select ${new Date(at(10)).toISOString()}::timestamptz at time zone 'UTC', ${a.id}
      from generate_series(1, 5000)`;
    await rollupMetrics();
    expect(await db.metricDirty.count({ where: { agentId: a.id } })).toBe(0);
  });

  it("refuses filters it does not know, and reads nothing", async () => {
    const e = await getMetrics({ days: "14" }, NOW).catch((x) => x);
    expect(e.code).toBe("invalid_query");
    expect(e.details.errors[0].path).toBe("days");
    expect(EDGES_MS.length + 1).toBe(BUCKETS);
  });
});
