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
  const result: TEvaluation = { evaluated: 0, opened: [], continued: 0, ended: 0 };
  if (!pairs.size) return result;

  const hourly = await baselines([...pairs.values()], now);
  const openBy = new Map(open.map((a) => [pairKey(a), a]));
  for (const [k, p] of pairs) {
    const rule = ruleFor(rules, p.agentId, p.actionTypeId);
    const episode = openBy.get(k);
    if (!rule.enabled && !episode) continue;
    result.evaluated++;
    const observed = p.perMinute.slice(0, rule.windowMinutes).reduce((s, n) => s + (n ?? 0), 0);
    const s = scoreWindow({ observed, hourly: hourly.get(k) ?? [], ...rule });
    const fires = rule.enabled && s.fires;
    if (episode) {
      if (fires) {
        await db.anomaly.update({
          where: { id: episode.id },
          data: {
            lastSeenAt: now,
            peakObserved: Math.max(episode.peakObserved, observed),
            peakScore: Math.max(episode.peakScore, s.score),
          },
        });
        result.continued++;
      } else if (now.getTime() - episode.lastSeenAt.getTime() >= rule.windowMinutes * 60_000) {
        // a whole window without firing: the episode is over (a later spike is a new one)
        const ended = await db.anomaly.updateMany({
          where: { id: episode.id, endedAt: null },
          data: { endedAt: now },
        });
        result.ended += ended.count;
      }
      continue;
    }
    if (!fires) continue;
    const opened = await openEpisode(p, rule, s, now);
    if (opened) result.opened.push(opened);
  }
  return result;
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
 * another evaluation opened it first, and then nothing else is done. The alert (audit event and
 * webhook) is queued in the same transaction; an automatic trip follows it (the trip waits for
 * the instances' acknowledgements, so it runs outside) and the row records how it went.
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
          action: rule.autoTrip ? "tripping" : "alerted",
          actionDetail: rule.autoTrip ? "Tripping the agent's kill switch" : "Alerted",
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

  await db.$transaction(async (tx) => {
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
  });
  return { anomalyId, agentId: p.agentId, actionTypeId: p.actionTypeId, action };
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
