import "server-only";
import { db, Prisma } from "@/lib/db";
import { writeAuditEvent } from "@/lib/audit";
import { tripKillSwitch } from "@/lib/guardrails/kill-switches";
import { env } from "@/lib/env";
import { BASELINE_DAYS, RECENT_HOURS, scoreWindow, type TScore } from "./score";
import { loadRules, ruleFor, type TRule } from "./rules";

const HOUR = 3_600_000;
const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;

type TPair = { agentId: string; actionTypeId: string };
const pairKey = (p: TPair) => `${p.agentId}|${p.actionTypeId}`;

/** The baseline hours for `now`: the same hour on each of the previous days, and the last few. */
export function baselineHours(now: Date): Date[] {
  const h0 = Math.floor(now.getTime() / HOUR) * HOUR;
  const hours = new Set<number>();
  for (let d = 1; d <= BASELINE_DAYS; d++) hours.add(h0 - d * 24 * HOUR);
  for (let h = 1; h <= RECENT_HOURS; h++) hours.add(h0 - h * HOUR);
  return [...hours].sort((a, b) => a - b).map((t) => new Date(t));
}

export type TEvaluation = {
  evaluated: number;
  opened: { anomalyId: string; agentId: string; actionTypeId: string; action: string }[];
  continued: number;
  ended: number;
  /** pairs whose evaluation failed (logged) */
  failed: number;
  /** episodes an earlier run opened but did not finish acting on (finishStalledEpisodes) */
  finished: number;
};

/**
 * The `detectAnomalies` job's run: every agent × action type with requests in the last window
 * (or an episode still open) is scored against its own baseline (score.ts). Reads only the
 * window's requests (the `createdAt` index) and, per pair, 17 hours of the metrics rollup — never
 * the whole history. A pair that fires without an open episode opens one (the partial unique
 * index makes that once, whoever else evaluates at the same time) and is acted on: an alert
 * (audit event, the on-call group's signed webhook) and, where its rule says so, the agent's kill
 * switch tripped by Tollgate itself. An open episode that fires again only records its peak; one
 * that has not fired for a whole window ends.
 */
export async function detectAnomalies(opts: { now?: Date } = {}): Promise<TEvaluation> {
  const now = opts.now ?? new Date();
  const rules = await loadRules();
  const longest = Math.max(...rules.all.map((r) => r.windowMinutes));
  const since = new Date(now.getTime() - longest * 60_000);
  // per pair, its requests per minute ago (0 = the last minute) over the longest window
  const minutes = await db.$queryRaw<
    { agentId: string; actionTypeId: string; environmentId: string; ago: number; n: number }[]
  >`
    select "agentId", "actionTypeId", min("environmentId") as "environmentId",
      floor(extract(epoch from (${utc(now)} - "createdAt")) / 60)::int as ago, count(*)::int as n
    from "ActionRequest"
    where "createdAt" > ${utc(since)} and "createdAt" <= ${utc(now)}
      and "actionTypeId" is not null and "revertsId" is null and "requestedById" is null
    group by 1, 2, 4`;
  const open = await db.anomaly.findMany({ where: { endedAt: null } });
  const pairs = new Map<string, TPair & { environmentId: string; perMinute: number[] }>();
  for (const m of minutes) {
    const k = pairKey(m);
    const p = pairs.get(k) ?? { ...m, perMinute: [] };
    p.perMinute[m.ago] = (p.perMinute[m.ago] ?? 0) + m.n;
    pairs.set(k, p);
  }
  for (const a of open) {
    if (!pairs.has(pairKey(a))) pairs.set(pairKey(a), { ...a, perMinute: [] });
  }
  const result: TEvaluation = {
    evaluated: 0,
    opened: [],
    continued: 0,
    ended: 0,
    failed: 0,
    finished: 0,
  };
  if (!pairs.size) {
    result.finished = await finishStalledEpisodes(now);
    return result;
  }

  const hourly = await baselines([...pairs.values()], now);
  const openBy = new Map(open.map((a) => [pairKey(a), a]));
  for (const [k, p] of pairs) {
    // one pair's failure (a row gone, a trip refused) is logged and does not stop the others
    try {
      await evaluatePair(k, p);
    } catch (e) {
      result.failed++;
      console.error(`[anomalies] ${k}: ${(e as Error).message ?? String(e)}`);
    }
  }
  result.finished = await finishStalledEpisodes(now);
  return result;

  async function evaluatePair(
    k: string,
    p: TPair & { environmentId: string; perMinute: number[] },
  ) {
    const rule = ruleFor(rules, p.agentId, p.actionTypeId);
    const episode = openBy.get(k);
    if (!rule.enabled && !episode) return;
    result.evaluated++;
    const observed = p.perMinute.slice(0, rule.windowMinutes).reduce((s, n) => s + (n ?? 0), 0);
    const s = scoreWindow({ observed, hourly: hourly.get(k) ?? [], ...rule });
    const fires = rule.enabled && s.fires;
    if (episode) {
      if (fires) {
        // greatest() in the statement: an overlapping, older run never lowers the peak
        await db.$executeRaw`
          update "Anomaly" set "lastSeenAt" = greatest("lastSeenAt", ${utc(now)}),
            "peakObserved" = greatest("peakObserved", ${observed}),
            "peakScore" = greatest("peakScore", ${s.score})
          where id = ${episode.id} and "endedAt" is null`;
        result.continued++;
      } else if (now.getTime() - episode.lastSeenAt.getTime() >= rule.windowMinutes * 60_000) {
        // a whole window without firing: the episode is over (a later spike is a new one)
        const ended = await db.anomaly.updateMany({
          where: { id: episode.id, endedAt: null },
          data: { endedAt: now },
        });
        result.ended += ended.count;
      }
      return;
    }
    if (!fires) return;
    const opened = await openEpisode(p, rule, s, now);
    if (opened) result.opened.push(opened);
  }
}

/** Per pair, the hourly counts of its baseline hours (score.ts), from MetricHour. */
async function baselines(pairs: (TPair & { environmentId: string })[], now: Date) {
  const hours = baselineHours(now).map((h) => h.toISOString());
  const rows = await db.$queryRaw<{ agentId: string; actionTypeId: string; counts: number[] }[]>`
    select p.a as "agentId", p.t as "actionTypeId",
      array_agg(coalesce((
        select sum(m.proposed) from "MetricHour" m
        where m."agentId" = p.a and m."actionTypeId" = p.t and m.hour = h.hour), 0)::int
        order by h.hour) as counts
    from unnest(${pairs.map((p) => p.agentId)}::text[], ${pairs.map((p) => p.actionTypeId)}::text[])
      as p(a, t)
    join "Agent" ag on ag.id = p.a
    cross join unnest(${hours}::timestamptz[]) as hz(at)
    cross join lateral (select hz.at at time zone 'UTC' as hour) h
    -- hours before the agent existed (or, for older history, before its first proposal of the
    -- type) are no samples
    where h.hour >= least(date_trunc('hour', ag."createdAt"), coalesce((
      select min(m.hour) from "MetricHour" m where m."agentId" = p.a and m."actionTypeId" = p.t),
      'infinity'::timestamp))
    group by 1, 2`;
  return new Map(rows.map((r) => [pairKey(r), r.counts]));
}

/**
 * Open an episode for a pair that fired, once: the insert meets the partial unique index if
 * another evaluation opened it first, and then nothing else is done. The row is born unfinished
 * (`tripping` / `alerting`); finishEpisode then trips the agent's switch where the rule says so
 * (the trip waits for the instances' acknowledgements, so it runs outside any transaction) and
 * queues the alert (audit event and webhook) in the transaction that marks the row finished. A
 * run that dies in between leaves the row unfinished, and a later run finishes it
 * (finishStalledEpisodes): no episode goes unalerted.
 */
async function openEpisode(
  p: TPair & { environmentId: string },
  rule: TRule,
  s: TScore,
  now: Date,
): Promise<TEvaluation["opened"][number] | null> {
  const windowStart = new Date(now.getTime() - rule.windowMinutes * 60_000);
  const [agent, type] = await Promise.all([
    db.agent.findUniqueOrThrow({
      where: { id: p.agentId },
      select: { id: true, slug: true, name: true, environment: { select: { slug: true } } },
    }),
    db.actionType.findUniqueOrThrow({
      where: { id: p.actionTypeId },
      select: { key: true, name: true },
    }),
  ]);
  const agentLabel = `${agent.name} (${agent.environment.slug})`;
  const figures = `${s.observed} ${type.name.toLowerCase()} requests in ${rule.windowMinutes} min against ${fmt(s.expected)} expected (score ${fmt(s.score)}, threshold ${fmt(rule.zThreshold)})`;
  let anomalyId: string;
  try {
    anomalyId = await db.$transaction(async (tx) => {
      const a = await tx.anomaly.create({
        data: {
          agentId: p.agentId,
          environmentId: p.environmentId,
          actionTypeId: p.actionTypeId,
          ruleId: rule.id,
          windowStart,
          windowEnd: now,
          observed: s.observed,
          baseline: s.expected,
          scale: s.scale,
          zThreshold: rule.zThreshold,
          minCount: rule.minCount,
          score: s.score,
          peakObserved: s.observed,
          peakScore: s.score,
          action: rule.autoTrip ? "tripping" : "alerting",
          actionDetail: rule.autoTrip ? "Tripping the agent's kill switch" : "Alerting",
          createdAt: now,
          lastSeenAt: now,
        },
      });
      return a.id;
    });
  } catch (e) {
    // another evaluation opened this episode first
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") return null;
    throw e;
  }
  const action = await finishEpisode({
    anomalyId,
    agentId: p.agentId,
    environmentId: p.environmentId,
    agentLabel,
    actionType: type.key,
    figures,
    s,
    rule,
    windowStart,
    now,
  });
  return action ? { anomalyId, agentId: p.agentId, actionTypeId: p.actionTypeId, action } : null;
}

const UNFINISHED = ["tripping", "alerting"];

/**
 * Episodes left unfinished by a run that died (or failed) between opening them and alerting:
 * finished now, once they are a minute old (a run still working on one is not raced).
 */
async function finishStalledEpisodes(now: Date) {
  const stalled = await db.anomaly.findMany({
    where: {
      action: { in: UNFINISHED },
      endedAt: null,
      createdAt: { lt: new Date(now.getTime() - 60_000) },
    },
    include: {
      agent: { select: { name: true, environment: { select: { slug: true } } } },
      actionType: { select: { key: true, name: true } },
    },
    take: 50,
  });
  let finished = 0;
  for (const a of stalled) {
    const figures = `${a.observed} ${a.actionType.name.toLowerCase()} requests in ${Math.round((a.windowEnd.getTime() - a.windowStart.getTime()) / 60_000)} min against ${fmt(a.baseline)} expected (score ${fmt(a.score)}, threshold ${fmt(a.zThreshold)})`;
    try {
      const done = await finishEpisode({
        anomalyId: a.id,
        agentId: a.agentId,
        environmentId: a.environmentId,
        agentLabel: `${a.agent.name} (${a.agent.environment.slug})`,
        actionType: a.actionType.key,
        figures,
        s: {
          observed: a.observed,
          expected: a.baseline,
          scale: a.scale,
          score: a.score,
          samples: 0,
          fires: true,
        },
        rule: {
          id: a.ruleId,
          agentId: a.agentId,
          actionTypeId: a.actionTypeId,
          enabled: true,
          windowMinutes: Math.round((a.windowEnd.getTime() - a.windowStart.getTime()) / 60_000),
          zThreshold: a.zThreshold,
          minCount: a.minCount,
          autoTrip: a.action === "tripping",
        },
        windowStart: a.windowStart,
        now: a.windowEnd,
      });
      if (done) finished++;
    } catch (e) {
      console.error(`[anomalies] finishing ${a.id}: ${(e as Error).message ?? String(e)}`);
    }
  }
  return finished;
}

/**
 * Act on an opened episode: trip (where the rule says so), then alert and mark it finished in one
 * transaction — guarded on the row still being unfinished, so of two runs finishing one episode
 * only one alerts (the other's transaction rolls back). Null when another run finished it.
 */
async function finishEpisode(a: {
  anomalyId: string;
  agentId: string;
  environmentId: string;
  agentLabel: string;
  actionType: string;
  figures: string;
  s: TScore;
  rule: TRule;
  windowStart: Date;
  now: Date;
}): Promise<string | null> {
  const { anomalyId, figures, rule, s, windowStart, now } = a;
  const p = { agentId: a.agentId, environmentId: a.environmentId };
  const agentLabel = a.agentLabel;
  const type = { key: a.actionType };
  let action = "alerted";
  let detail = "Alerted (automatic trip is off for this rule)";
  let killSwitchId: string | null = null;
  if (rule.autoTrip) {
    const sw = await db.killSwitch.findUnique({ where: { scopeKey: `agent:${p.agentId}` } });
    if (sw?.engaged) {
      action = "already_tripped";
      detail = "The agent's kill switch was already engaged";
      killSwitchId = sw.id;
    } else {
      try {
        const tripped = await tripKillSwitch(
          {
            scope: "agent",
            target: p.agentId,
            reason: `Anomaly: ${figures} (automatic trip, anomaly ${anomalyId})`.slice(0, 2000),
          },
          null,
        );
        action = "tripped";
        detail = `Kill switch tripped automatically (${tripped.halted} queued requests halted)`;
        killSwitchId = tripped.id;
      } catch (e) {
        action = "trip_failed";
        detail = `The automatic trip failed: ${(e as Error).message ?? String(e)}`.slice(0, 500);
      }
    }
  }

  const finished = await db.$transaction(async (tx) => {
    const claimed = await tx.anomaly.updateMany({
      where: { id: anomalyId, action: { in: UNFINISHED } },
      data: { action },
    });
    if (claimed.count !== 1) return false; // another run finished it first
    const webhook = await queueAnomalyWebhook(tx, {
      anomalyId,
      agent: agentLabel,
      agentId: p.agentId,
      actionType: type.key,
      figures,
      s,
      rule,
      windowStart,
      now,
      action,
      detail,
    });
    const fullDetail = `${detail}; ${webhook ? "webhook queued" : `no webhook: the ${env().TOLLGATE_ANOMALY_ALERT_GROUP} group has no webhook URL`}`;
    await tx.anomaly.update({
      where: { id: anomalyId },
      data: { action, actionDetail: fullDetail, killSwitchId, webhookDeliveryId: webhook },
    });
    await writeAuditEvent(tx, {
      actor: { type: "system" },
      action: "anomaly.detected",
      subjectId: anomalyId,
      environmentId: p.environmentId,
      payload: {
        agent: agentLabel,
        actionType: type.key,
        windowStart: windowStart.toISOString(),
        windowEnd: now.toISOString(),
        observed: s.observed,
        expected: s.expected,
        scale: s.scale,
        score: s.score,
        zThreshold: rule.zThreshold,
        minCount: rule.minCount,
        action,
        detail: fullDetail,
      },
    });
    return true;
  });
  return finished ? action : null;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** The alert group's signed webhook (Slack-compatible `text`); null when it has no URL. */
async function queueAnomalyWebhook(
  tx: Prisma.TransactionClient,
  a: {
    anomalyId: string;
    agent: string;
    agentId: string;
    actionType: string;
    figures: string;
    s: TScore;
    rule: TRule;
    windowStart: Date;
    now: Date;
    action: string;
    detail: string;
  },
): Promise<string | null> {
  const group = await tx.approverGroup.findUnique({
    where: { key: env().TOLLGATE_ANOMALY_ALERT_GROUP },
    select: { key: true, webhookUrl: true },
  });
  if (!group?.webhookUrl) return null;
  const d = await tx.webhookDelivery.create({
    data: {
      kind: "anomaly",
      target: `group:${group.key}`,
      url: group.webhookUrl,
      payload: {
        text: `Anomaly: ${a.agent}, ${a.figures}. ${a.detail}.`,
        type: "anomaly.detected",
        anomalyId: a.anomalyId,
        agent: a.agent,
        agentId: a.agentId,
        actionType: a.actionType,
        windowStart: a.windowStart.toISOString(),
        windowEnd: a.now.toISOString(),
        observed: a.s.observed,
        expected: a.s.expected,
        score: a.s.score,
        zThreshold: a.rule.zThreshold,
        minCount: a.rule.minCount,
        action: a.action,
        link: `/anomalies?anomaly=${a.anomalyId}`,
        at: a.now.toISOString(),
      },
    },
  });
  return d.id;
}
