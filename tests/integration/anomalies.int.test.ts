import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, type ActionRequestStatus } from "@/lib/db";
import { prefixedId } from "@/lib/core/ids";
import {
  countAnomalies,
  detectAnomalies,
  lastCompleteWeek,
  saveAnomalyRule,
  sendWeeklyDigest,
} from "@/lib/anomalies";
import { rollupMetrics } from "@/lib/metrics";
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
