import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, type ActionRequestStatus } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import {
  baselineHours,
  countAnomalies,
  detectAnomalies,
  loadPairFigures,
  scoreWindow,
  lastCompleteWeek,
  saveAnomalyRule,
  sendWeeklyDigest,
} from "@/lib/anomalies";
import { rollupMetrics } from "@/lib/metrics";
import { resetKillSwitch } from "@/lib/guardrails/kill-switches";
import { useScratch } from "./fixtures/scratch";

/** Anomaly detection and the weekly digest (issue 14, items 3 and 5). */
describe("anomalies", () => {
  const s = useScratch();

  it("countAnomalies counts an agent's episodes begun or still firing since a moment", async () => {
    const agent = await s.agent("prod");
    const type = await db.actionType.findUniqueOrThrow({
      where: { key: "opportunity.change_stage" },
    });
    const day = (n: number) => new Date(Date.UTC(2003, 0, n));
    const episode = (createdAt: Date, lastSeenAt: Date, endedAt: Date | null) =>
      db.anomaly.create({
        data: {
          agentId: agent.id,
          environmentId: agent.environmentId,
          actionTypeId: type.id,
          windowStart: createdAt,
          windowEnd: createdAt,
          observed: 100,
          baseline: 5,
          scale: 3,
          zThreshold: 6,
          minCount: 30,
          score: 31,
          peakObserved: 100,
          peakScore: 31,
          action: "alerted",
          actionDetail: "test",
          createdAt,
          lastSeenAt,
          endedAt,
        },
      });
    await episode(day(1), day(2), day(2));
    await episode(day(10), day(12), day(12));
    await episode(day(20), day(20), null);
    expect(await countAnomalies({ agentId: agent.id, since: day(11) })).toBe(2);
    expect(await countAnomalies({ agentId: agent.id, since: day(13) })).toBe(1);
    expect(await countAnomalies({ agentId: agent.id, since: day(21) })).toBe(0);
    expect(
      await countAnomalies({ agentId: agent.id, environmentId: "elsewhere", since: day(1) }),
    ).toBe(0);
    expect(
      await countAnomalies({
        agentId: agent.id,
        environmentId: agent.environmentId,
        since: day(1),
      }),
    ).toBe(3);
    // one open episode per agent and action type: a second is refused by the database
    await expect(episode(day(22), day(22), null)).rejects.toThrow();
  });

  it("an episode a dead run left unfinished is alerted by the next run, once", async () => {
    const agent = await s.agent("prod");
    const type = await db.actionType.findUniqueOrThrow({ where: { key: "lead.create" } });
    const opened = new Date(Date.now() - 5 * 60_000);
    // what a run leaves behind when it dies after the insert and before the alert
    const stalled = await db.anomaly.create({
      data: {
        agentId: agent.id,
        environmentId: agent.environmentId,
        actionTypeId: type.id,
        windowStart: new Date(opened.getTime() - 10 * 60_000),
        windowEnd: opened,
        observed: 90,
        baseline: 4,
        scale: 2,
        zThreshold: 6,
        minCount: 30,
        score: 43,
        peakObserved: 90,
        peakScore: 43,
        action: "alerting",
        actionDetail: "Alerting",
        createdAt: opened,
        lastSeenAt: opened,
      },
    });
    const [a, b] = await Promise.all([detectAnomalies(), detectAnomalies()]);
    expect(a.finished + b.finished).toBe(1);
    const row = await db.anomaly.findUniqueOrThrow({ where: { id: stalled.id } });
    expect(row.action).toBe("alerted");
    expect(
      await db.auditEvent.count({ where: { action: "anomaly.detected", subjectId: stalled.id } }),
    ).toBe(1);
    expect((await detectAnomalies()).finished).toBe(0);
    await db.anomaly.update({ where: { id: stalled.id }, data: { endedAt: new Date() } });
  });

  describe("detection", () => {
    // away from everything else in the shared database: 10 March 2004, 12:30 UTC
    const NOW = new Date(Date.UTC(2004, 2, 10, 12, 30));
    const minutesBefore = (m: number) => new Date(NOW.getTime() - m * 60_000);
    let stage: { id: string };
    let auto: { id: string; environmentId: string };
    let alertOnly: { id: string; environmentId: string };
    let steady: { id: string; environmentId: string };
    let group: { key: string; webhookUrl: string | null };

    /** `n` requests of a type spread evenly over [from, from + spanMin) */
    function spread(
      agent: { id: string; environmentId: string },
      from: Date,
      spanMin: number,
      n: number,
      status: ActionRequestStatus = "succeeded",
    ) {
      return Array.from({ length: n }, (_, i) => ({
        id: prefixedId("ar"),
        agentId: agent.id,
        environmentId: agent.environmentId,
        actionTypeId: stage.id,
        idempotencyKey: prefixedId("idem"),
        bodyHash: "0".repeat(64),
        object: "Opportunity",
        status,
        createdAt: new Date(from.getTime() + Math.floor((i * spanMin * 60_000) / n)),
      }));
    }

    beforeAll(async () => {
      stage = await db.actionType.findUniqueOrThrow({
        where: { key: "opportunity.change_stage" },
      });
      auto = await s.agent("prod");
      alertOnly = await s.agent("prod");
      steady = await s.agent("prod");
      const rows = [];
      for (const agent of [auto, alertOnly, steady]) {
        // the baseline: 60 stage changes an hour at noon on each of the 14 days before, and in
        // the 3 hours before noon today
        for (let d = 1; d <= 14; d++)
          rows.push(...spread(agent, new Date(Date.UTC(2004, 2, 10 - d, 12)), 60, 60));
        for (const h of [9, 10, 11])
          rows.push(...spread(agent, new Date(Date.UTC(2004, 2, 10, h)), 60, 60));
      }
      // now: the steady agent keeps its rate (30 in the half hour); the two others spike to
      // 150 in the last 10 minutes, some of them reverted (the digest's reversal rate)
      rows.push(...spread(steady, minutesBefore(30), 30, 30));
      for (const agent of [auto, alertOnly]) {
        rows.push(...spread(agent, minutesBefore(9), 9, 140));
        rows.push(...spread(agent, minutesBefore(9), 9, 10, "reverted"));
      }
      await db.actionRequest.createMany({ data: rows });
      while ((await rollupMetrics()) > 0);
      await saveAnomalyRule(
        {
          agentId: auto.id,
          actionTypeId: stage.id,
          enabled: true,
          windowMinutes: 10,
          zThreshold: 6,
          minCount: 30,
          autoTrip: true,
          reason: "trip this agent on a stage-change spike",
        },
        s.adminId,
      );
      group = await db.approverGroup.findUniqueOrThrow({
        where: { key: "revops_oncall" },
        select: { key: true, webhookUrl: true },
      });
      await db.approverGroup.update({
        where: { key: "revops_oncall" },
        data: { webhookUrl: "http://127.0.0.1:9/anomalies" },
      });
    });
    afterAll(async () => {
      await db.approverGroup.update({
        where: { key: group.key },
        data: { webhookUrl: group.webhookUrl },
      });
    });

    const anomaliesOf = (agentId: string) =>
      db.anomaly.findMany({ where: { agentId }, orderBy: { createdAt: "asc" } });

    it("a spike trips the switch where auto-trip is on, only alerts where it is off, once", async () => {
      // two evaluations at once (two workers): one episode each, one alert, one trip
      const [first, second] = await Promise.all([
        detectAnomalies({ now: NOW }),
        detectAnomalies({ now: NOW }),
      ]);
      const opened = [...first.opened, ...second.opened];
      expect(opened.filter((o) => o.agentId === auto.id)).toHaveLength(1);
      expect(opened.filter((o) => o.agentId === alertOnly.id)).toHaveLength(1);

      const [a] = await anomaliesOf(auto.id);
      expect(a).toMatchObject({ action: "tripped", observed: 150, actionTypeId: stage.id });
      expect(a.baseline).toBe(10);
      expect(a.score).toBeGreaterThanOrEqual(6);
      const sw = await db.killSwitch.findUniqueOrThrow({ where: { scopeKey: `agent:${auto.id}` } });
      expect(sw).toMatchObject({ engaged: true, engagedById: null, id: a.killSwitchId });
      expect(sw.reason).toContain(`anomaly ${a.id}`);
      const trip = await db.auditEvent.findFirstOrThrow({
        where: { action: "kill_switch.tripped", subjectId: sw.id },
      });
      expect(trip.actorType).toBe("system");

      const [b] = await anomaliesOf(alertOnly.id);
      expect(b).toMatchObject({ action: "alerted", observed: 150, killSwitchId: null });
      expect(
        await db.killSwitch.findFirst({ where: { agentId: alertOnly.id, engaged: true } }),
      ).toBeNull();

      for (const x of [a, b]) {
        const d = await db.webhookDelivery.findUniqueOrThrow({
          where: { id: x.webhookDeliveryId! },
        });
        expect(d).toMatchObject({
          kind: "anomaly",
          target: "group:revops_oncall",
          status: "pending",
        });
        expect((d.payload as { anomalyId: string; text: string }).anomalyId).toBe(x.id);
        expect((d.payload as { text: string }).text).toContain("150");
        const audit = await db.auditEvent.findFirstOrThrow({
          where: { action: "anomaly.detected", subjectId: x.id },
        });
        expect(audit.lane).toBe("execution");
      }
      // the steady agent is evaluated and does not fire
      expect(await anomaliesOf(steady.id)).toHaveLength(0);
    });

    it("an episode fires once: later evaluations record the peak, then end it", async () => {
      const again = await detectAnomalies({ now: new Date(NOW.getTime() + 30_000) });
      expect(again.opened.filter((o) => o.agentId !== steady.id)).toHaveLength(0);
      expect(again.continued).toBeGreaterThanOrEqual(2);
      const deliveries = await db.webhookDelivery.count({
        where: { kind: "anomaly", payload: { path: ["agentId"], equals: alertOnly.id } },
      });
      expect(deliveries).toBe(1);
      // a whole quiet window later the episodes end, and the count of episodes stays one
      const later = await detectAnomalies({ now: new Date(NOW.getTime() + 25 * 60_000) });
      expect(later.ended).toBeGreaterThanOrEqual(2);
      const [b] = await anomaliesOf(alertOnly.id);
      expect(b.endedAt).not.toBeNull();
      expect(await countAnomalies({ agentId: alertOnly.id, since: minutesBefore(60) })).toBe(1);
      expect(await anomaliesOf(steady.id)).toHaveLength(0);
    });

    it("the weekly digest is sent once per week, with the rollup's figures", async () => {
      // Monday 15 March 2004: the last complete week is 8–14 March, which holds the history
      const monday = new Date(Date.UTC(2004, 2, 15, 7));
      const week = lastCompleteWeek(monday);
      expect(week.toISOString()).toBe("2004-03-08T00:00:00.000Z");
      const sent = await Promise.all([
        sendWeeklyDigest({ now: monday }),
        sendWeeklyDigest({ now: monday }),
      ]);
      expect(sent.filter(Boolean)).toHaveLength(1);
      expect(await sendWeeklyDigest({ now: new Date(monday.getTime() + 3_600_000) })).toBeNull();
      const rows = await db.weeklyDigest.findMany({ where: { week, trigger: "schedule" } });
      expect(rows).toHaveLength(1);
      const digest = rows[0];
      expect(digest.status).toBe("queued");
      const deliveries = await db.webhookDelivery.findMany({
        where: { kind: "weekly_digest", payload: { path: ["digestId"], equals: digest.id } },
      });
      expect(deliveries).toHaveLength(1);
      expect((deliveries[0].payload as { text: string }).text).toBe(digest.text);

      // each agent's figures against a direct count of its requests in the week
      const end = new Date(week.getTime() + 7 * 24 * 3_600_000);
      const counted = await db.$queryRaw<
        { agentId: string; requests: number; succeeded: number; reverted: number }[]
      >`
        select "agentId", count(*)::int as requests,
          count(*) filter (where status in ('succeeded', 'reverted'))::int as succeeded,
          count(*) filter (where status = 'reverted')::int as reverted
        from "ActionRequest"
        where "createdAt" >= ${week} and "createdAt" < ${end} and "revertsId" is null
          and "agentId" = any(${[auto.id, alertOnly.id, steady.id]})
        group by 1`;
      const figures = digest.figures as {
        perAgent: { agentId: string; requests: number; succeeded: number; reversalRate: number }[];
        queue: { openDeadLetters: number; halted: number; pendingPastSla: number };
      };
      expect(counted).toHaveLength(3);
      for (const c of counted) {
        const f = figures.perAgent.find((p) => p.agentId === c.agentId)!;
        expect(f).toMatchObject({ requests: c.requests, succeeded: c.succeeded });
        expect(f.reversalRate).toBeCloseTo(c.reverted / c.succeeded);
      }
      // 8 and 9 March at noon, and 10 March's morning and spike
      expect(figures.perAgent.find((p) => p.agentId === auto.id)!.requests).toBe(
        2 * 60 + 3 * 60 + 150,
      );
      // the exception queue as it stood
      const [{ dl, halted, late }] = await db.$queryRaw<
        { dl: number; halted: number; late: number }[]
      >`
        select (select count(*) from "DeadLetter" where "resolvedAt" is null)::int as dl,
          (select count(*) from "ActionRequest" where status = 'halted')::int as halted,
          (select count(*) from "ActionRequest"
           where status = 'pending_approval' and "slaDueAt" < ${monday})::int as late`;
      expect(figures.queue).toEqual({ openDeadLetters: dl, halted, pendingPastSla: late });
      const audit = await db.auditEvent.count({
        where: { action: "digest.sent", subjectId: digest.id },
      });
      expect(audit).toBe(1);
    });
  });
});

/**
 * The batched read (one statement for every pair) against a per-pair count straight from the
 * requests; the burst pattern the hourly baseline could not tell from a spike; refused requests
 * are not writes; a person's reset mid-episode is re-tripped only when the spike rises again.
 */
describe("anomalies: batched figures and the reviewed cases", () => {
  const s = useScratch();
  let stage: { id: string };
  let lead: { id: string };
  type TAgent = { id: string; environmentId: string };
  const HOUR = 3_600_000;

  function rowsOf(
    agent: TAgent,
    actionTypeId: string,
    from: Date,
    spanMs: number,
    n: number,
    extra: Partial<{ status: ActionRequestStatus; revertsId: string; requestedById: string }> = {},
  ) {
    return Array.from({ length: n }, (_, i) => ({
      id: prefixedId("ar"),
      agentId: agent.id,
      environmentId: agent.environmentId,
      actionTypeId,
      idempotencyKey: prefixedId("idem"),
      bodyHash: "0".repeat(64),
      object: "Opportunity",
      status: "succeeded" as ActionRequestStatus,
      createdAt: new Date(from.getTime() + Math.floor((i * spanMs) / n)),
      ...extra,
    }));
  }
  async function insert(rows: ReturnType<typeof rowsOf>) {
    for (let i = 0; i < rows.length; i += 5_000)
      await db.actionRequest.createMany({ data: rows.slice(i, i + 5_000) });
    while ((await rollupMetrics()) > 0);
  }

  beforeAll(async () => {
    stage = await db.actionType.findUniqueOrThrow({ where: { key: "opportunity.change_stage" } });
    lead = await db.actionType.findUniqueOrThrow({ where: { key: "lead.create" } });
  });

  it("one read for every pair equals a per-pair count from the requests", async () => {
    // 27 March 2005, 02:30 UTC: Europe's clocks moved at 01:00 UTC that day — UTC hours do not
    const NOW = new Date(Date.UTC(2005, 2, 27, 2, 30));
    const hours = baselineHours(NOW);
    expect(hours).toHaveLength(17);
    expect(hours.slice(0, 14).every((h) => h.getUTCHours() === 2)).toBe(true);
    expect(hours.slice(14).map((h) => h.getUTCHours())).toEqual([23, 0, 1]);

    const [a, b, c] = [await s.agent("prod"), await s.agent("prod"), await s.agent("prod")];
    const rows = [];
    // varied counts per pair and hour; some baseline hours left empty (zeros), some pairs
    // starting later (their earlier hours are no samples)
    hours.forEach((h, i) => {
      if (i % 3 !== 1) rows.push(...rowsOf(a, stage.id, h, HOUR, 5 + i));
      if (i % 4 !== 0) rows.push(...rowsOf(a, lead.id, h, HOUR, 2 * i));
      if (i >= 6 && i !== 9) rows.push(...rowsOf(b, stage.id, h, HOUR, 20 + (i % 5)));
      // not writes: refused, reverts, a person's
      rows.push(...rowsOf(a, stage.id, h, HOUR, 3, { status: "denied" }));
      rows.push(...rowsOf(a, stage.id, h, HOUR, 2, { status: "expired" }));
    });
    // the last hour, per minute, every pair (c only now: a new pair, no samples)
    rows.push(...rowsOf(a, stage.id, new Date(NOW.getTime() - 60 * 60_000), 60 * 60_000, 90));
    rows.push(...rowsOf(a, lead.id, new Date(NOW.getTime() - 7 * 60_000), 7 * 60_000, 13));
    rows.push(...rowsOf(b, stage.id, new Date(NOW.getTime() - 25 * 60_000), 20 * 60_000, 40));
    rows.push(...rowsOf(c, lead.id, new Date(NOW.getTime() - 3 * 60_000), 3 * 60_000, 9));
    // a spike of refused requests only: no writes, no anomaly
    rows.push(
      ...rowsOf(c, stage.id, new Date(NOW.getTime() - 9 * 60_000), 9 * 60_000, 300, {
        status: "denied",
      }),
    );
    const revert = rowsOf(a, stage.id, new Date(NOW.getTime() - 60_000), 1000, 1)[0];
    rows.push({ ...revert, revertsId: rows[0].id });
    rows.push(
      ...rowsOf(a, stage.id, new Date(NOW.getTime() - 60_000), 1000, 4, {
        requestedById: s.adminId,
      }),
    );
    await insert(rows);

    const mine = [a.id, b.id, c.id];
    const got = (await loadPairFigures(NOW, 60)).filter((p) => mine.includes(p.agentId));
    expect(got.map((p) => `${p.agentId}|${p.actionTypeId}`).sort()).toEqual(
      [
        `${a.id}|${stage.id}`,
        `${a.id}|${lead.id}`,
        `${b.id}|${stage.id}`,
        `${c.id}|${lead.id}`,
      ].sort(),
    );
    // per pair, on its own: the writes per baseline hour and per minute ago, from the requests
    for (const p of got) {
      const counted = await db.$queryRaw<{ hour: Date; n: number }[]>`
        select date_trunc('hour', "createdAt") as hour, count(*)::int as n from "ActionRequest"
        where "agentId" = ${p.agentId} and "actionTypeId" = ${p.actionTypeId}
          and "revertsId" is null and status not in ('denied', 'discarded', 'expired')
          and "createdAt" < ${new Date(Math.floor(NOW.getTime() / HOUR) * HOUR)}
        group by 1`;
      const byHour = new Map(counted.map((r) => [r.hour.getTime(), r.n]));
      const first = Math.min(...counted.map((r) => r.hour.getTime()));
      const expected = hours
        .filter((h) => h.getTime() >= first)
        .map((h) => byHour.get(h.getTime()) ?? 0);
      expect(p.hourly, `${p.agentId} ${p.actionTypeId} hours`).toEqual(expected);
      const recent = await db.actionRequest.findMany({
        where: {
          agentId: p.agentId,
          actionTypeId: p.actionTypeId,
          revertsId: null,
          requestedById: null,
          status: { notIn: ["denied", "discarded", "expired"] },
          createdAt: { gt: new Date(NOW.getTime() - 60 * 60_000), lte: NOW },
        },
        select: { createdAt: true },
      });
      const perMinute = Array.from({ length: 60 }, () => 0);
      for (const r of recent)
        perMinute[Math.floor((NOW.getTime() - r.createdAt.getTime()) / 60_000)]++;
      expect(p.perMinute, `${p.agentId} ${p.actionTypeId} minutes`).toEqual(perMinute);
      expect(p.environmentId).toBe(a.environmentId);
    }
    // zeros where a pair had no writes in the hour (the sixth such hour, 01:00, holds part of the
    // last hour's), and the new pair has no samples at all
    const aStage = got.find((p) => p.agentId === a.id && p.actionTypeId === stage.id)!;
    expect(aStage.hourly.filter((n) => n === 0)).toHaveLength(5);
    expect(got.find((p) => p.agentId === c.id)!.hourly).toEqual([]);
    expect(got.find((p) => p.agentId === b.id)!.hourly).toHaveLength(11);

    // the refused spike is not an anomaly; nothing here fires
    const r = await detectAnomalies({ now: NOW });
    expect(r.opened.filter((o) => mine.includes(o.agentId))).toEqual([]);
  });

  it("an hourly burst pattern over 14 days does not fire; a 10× burst does", async () => {
    // every hour, 30 stage changes between :00:30 and :09:30; evaluated at 12:10 and 12:12
    const NOW = new Date(Date.UTC(2006, 5, 7, 12, 10));
    const h0 = Math.floor(NOW.getTime() / HOUR) * HOUR;
    const usual = await s.agent("prod");
    const spiking = await s.agent("prod");
    // 14 days of bursts for both, in one statement (20,000 rows)
    for (const agent of [usual, spiking])
      await db.$executeRaw`
        insert into "ActionRequest" (id, "agentId", "environmentId", "actionTypeId",
          "idempotencyKey", "bodyHash", object, status, "createdAt", "updatedAt")
        select 'ar_burst_' || ${agent.id} || '_' || h || '_' || i, ${agent.id},
          ${agent.environmentId}, ${stage.id}, 'idem_burst_' || ${agent.id} || '_' || h || '_' || i,
          ${"0".repeat(64)}, 'Opportunity', 'succeeded',
          (${new Date(h0).toISOString()}::timestamptz at time zone 'UTC') - h * interval '1 hour' + interval '30 seconds'
            + (i * 18) * interval '1 second', now()
        from generate_series(1, 14 * 24) h, generate_series(0, 29) i`;
    await insert([
      ...rowsOf(usual, stage.id, new Date(h0 + 30_000), 9 * 60_000, 30),
      ...rowsOf(spiking, stage.id, new Date(h0 + 30_000), 9 * 60_000, 300),
    ]);

    const [u] = (await loadPairFigures(NOW, 60)).filter((p) => p.agentId === usual.id);
    const window = u.perMinute.slice(0, 10).reduce((x, y) => x + y, 0);
    expect(window).toBe(30);
    // the defect: the window alone, against hours scaled to ten minutes, fires on every burst
    expect(
      scoreWindow({
        observed: window,
        hourly: u.hourly,
        windowMinutes: 10,
        zThreshold: 6,
        minCount: 30,
      }).fires,
    ).toBe(true);

    for (const at of [NOW, new Date(NOW.getTime() + 2 * 60_000)]) {
      const r = await detectAnomalies({ now: at });
      expect(r.opened.map((o) => o.agentId)).not.toContain(usual.id);
    }
    expect(await db.anomaly.count({ where: { agentId: usual.id } })).toBe(0);
    const [spike] = await db.anomaly.findMany({ where: { agentId: spiking.id } });
    expect(spike).toMatchObject({ observed: 300, actionTypeId: stage.id });
    expect(spike.baseline).toBe(5);
    await db.anomaly.updateMany({ where: { agentId: spiking.id }, data: { endedAt: NOW } });
  });

  it("a person's reset mid-episode holds until the spike rises above its peak", async () => {
    const NOW = new Date(Date.UTC(2007, 4, 9, 12, 30));
    const agent = await s.agent("prod");
    const rows = [];
    for (let d = 1; d <= 14; d++)
      rows.push(...rowsOf(agent, stage.id, new Date(Date.UTC(2007, 4, 9 - d, 12)), HOUR, 60));
    for (const h of [9, 10, 11])
      rows.push(...rowsOf(agent, stage.id, new Date(Date.UTC(2007, 4, 9, h)), HOUR, 60));
    rows.push(...rowsOf(agent, stage.id, new Date(Date.UTC(2007, 4, 9, 12)), 20 * 60_000, 20));
    rows.push(...rowsOf(agent, stage.id, new Date(NOW.getTime() - 9 * 60_000), 9 * 60_000, 150));
    await insert(rows);
    await saveAnomalyRule(
      {
        agentId: agent.id,
        actionTypeId: stage.id,
        enabled: true,
        windowMinutes: 10,
        zThreshold: 6,
        minCount: 30,
        autoTrip: true,
        reason: "trip on a stage-change spike",
      },
      s.adminId,
    );
    const first = await detectAnomalies({ now: NOW });
    const opened = first.opened.find((o) => o.agentId === agent.id)!;
    expect(opened.action).toBe("tripped");
    const switchOf = () =>
      db.killSwitch.findUniqueOrThrow({ where: { scopeKey: `agent:${agent.id}` } });
    await resetKillSwitch(
      { scope: "agent", target: agent.id, reason: "checked: a planned cleanup" },
      s.adminId,
    );

    // the same spike goes on (its score no higher than the peak): the person's reset holds
    const same = await detectAnomalies({ now: new Date(NOW.getTime() + 30_000) });
    expect(same.opened.filter((o) => o.agentId === agent.id)).toEqual([]);
    expect(same.retripped).toBe(0);
    expect((await switchOf()).engaged).toBe(false);

    // it rises: tripped again, by Tollgate, with the rise as the reason
    await insert(rowsOf(agent, stage.id, NOW, 60_000, 100));
    const rose = await detectAnomalies({ now: new Date(NOW.getTime() + 60_000) });
    expect(rose.retripped).toBe(1);
    const sw = await switchOf();
    expect(sw).toMatchObject({ engaged: true, engagedById: null });
    expect(sw.reason).toContain(`anomaly ${opened.anomalyId}`);
    expect(sw.reason).toContain("above the episode's peak");
    const episode = await db.anomaly.findUniqueOrThrow({ where: { id: opened.anomalyId } });
    expect(episode.endedAt).toBeNull();
    expect(episode.peakObserved).toBeGreaterThan(200);
    expect(episode.actionDetail).toContain("tripped again");
    // one episode throughout
    expect(await db.anomaly.count({ where: { agentId: agent.id } })).toBe(1);
    await db.anomaly.updateMany({ where: { agentId: agent.id }, data: { endedAt: NOW } });
  });
});
