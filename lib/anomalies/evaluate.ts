import "server-only";
import { db, Prisma } from "@/lib/db";
import { writeAuditEvent } from "@/lib/audit";
import { tripKillSwitch } from "@/lib/guardrails/kill-switches";
import { env } from "@/lib/env";
import { scoreWindow, type TScore } from "./score";
import { loadPairFigures, LOOKBACK_MINUTES, type TPairFigures } from "./pair-figures";
import { loadRules, ruleFor, type TRule, type TRules } from "./rules";

const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;

type TPair = { agentId: string; actionTypeId: string };
const pairKey = (p: TPair) => `${p.agentId}|${p.actionTypeId}`;

export type TEvaluation = {
  evaluated: number;
  opened: { anomalyId: string; agentId: string; actionTypeId: string; action: string }[];
  continued: number;
  ended: number;
  /** episodes whose agent's switch a person reset, tripped again as their score rose (below) */
  retripped: number;
  /** pairs whose evaluation failed (logged) */
  failed: number;
  /** episodes an earlier run opened but did not finish acting on (finishStalledEpisodes) */
  finished: number;
};

/**
 * The `detectAnomalies` job's run: every agent × action type with requests in the last hour (or
 * an episode still open) is scored against its own baseline (score.ts). Its reads are one
 * statement whatever the number of pairs (loadPairFigures: the last hour's requests by the
 * `createdAt` index, 17 hours of the metrics rollup) — never the whole history; its writes to
 * episodes that go on or end are one statement each. A pair that fires without an open episode
 * opens one (the partial unique index makes that once, whoever else evaluates at the same time)
 * and is acted on: an alert (audit event, the on-call group's signed webhook) and, where its rule
 * says so, the agent's kill switch tripped by Tollgate itself. An open episode that fires again
 * only records its peak; one that has not fired for a whole window ends.
 *
 * A person who resets the switch an episode tripped has decided, and a spike that merely goes on
 * does not overrule them: the switch is tripped again only when the episode's score rises above
 * its peak (the spike got worse since) — or when a later, new episode fires.
 */
export async function detectAnomalies(opts: { now?: Date } = {}): Promise<TEvaluation> {
  const now = opts.now ?? new Date();
  // the three reads at once: on a busy machine each round trip costs more than its work (a
  // rule's window is at most the hour the figures cover: ZAnomalyRuleInput)
  const [rules, figures, open] = await Promise.all([
    loadRules(),
    loadPairFigures(now, LOOKBACK_MINUTES),
    db.anomaly.findMany({ where: { endedAt: null } }),
  ]);
  const result: TEvaluation = {
    evaluated: 0,
    opened: [],
    continued: 0,
    ended: 0,
    retripped: 0,
    failed: 0,
    finished: 0,
  };
  // episodes an earlier run left unfinished (a minute old at least): none is this run's, so they
  // are finished beside its own writes
  const finishing = finishStalledEpisodes(now).catch((e) => {
    console.error(`[anomalies] finishing stalled episodes: ${(e as Error).message ?? String(e)}`);
    return 0;
  });
  const openBy = new Map(open.map((a) => [pairKey(a), a]));
  const continuing: { id: string; observed: number; score: number }[] = [];
  const ending: string[] = [];
  const firing: { p: TPairFigures & { environmentId: string }; rule: TRule; s: TScore }[] = [];
  for (const p of figures) {
    const rule = ruleFor(rules, p.agentId, p.actionTypeId);
    const episode = openBy.get(pairKey(p));
    if (!rule.enabled && !episode) continue;
    result.evaluated++;
    const sum = (minutes: number) =>
      p.perMinute.slice(0, minutes).reduce((total, n) => total + n, 0);
    const s = scoreWindow({
      observed: sum(rule.windowMinutes),
      trailingHour: sum(60),
      hourly: p.hourly,
      ...rule,
    });
    const fires = rule.enabled && s.fires;
    if (episode) {
      if (fires) continuing.push({ id: episode.id, observed: s.observed, score: s.score });
      // a whole window without firing: the episode is over (a later spike is a new one)
      else if (now.getTime() - episode.lastSeenAt.getTime() >= rule.windowMinutes * 60_000)
        ending.push(episode.id);
    } else if (fires && p.environmentId) {
      firing.push({ p: { ...p, environmentId: p.environmentId }, rule, s });
    }
  }

  if (continuing.length) {
    // greatest() in the statement: an overlapping, older run never lowers the peak. Returned:
    // the episodes this run lifted above their peak (the old peak read under the row lock)
    const rose = await db.$queryRaw<
      {
        id: string;
        agentId: string;
        actionTypeId: string;
        action: string;
        score: number;
        peak: number;
      }[]
    >`
      with c as (
        select * from unnest(${continuing.map((c) => c.id)}::text[],
          ${continuing.map((c) => c.observed)}::int[], ${continuing.map((c) => c.score)}::float8[])
          as c(id, observed, score)),
      old as (
        select a.id, a."peakScore" from "Anomaly" a join c on c.id = a.id
        where a."endedAt" is null for update of a)
      update "Anomaly" a set "lastSeenAt" = greatest(a."lastSeenAt", ${utc(now)}),
        "peakObserved" = greatest(a."peakObserved", c.observed),
        "peakScore" = greatest(a."peakScore", c.score)
      from c join old on old.id = c.id
      where a.id = c.id
      returning a.id, a."agentId", a."actionTypeId", a.action, c.score, old."peakScore" as peak`;
    result.continued += rose.length;
    // only an episode that tripped its agent's switch, under a rule that still trips, and whose
    // score rose past its peak is looked at again (no query for the others)
    const retrip = rose.filter(
      (x) =>
        x.score > x.peak &&
        ["tripped", "already_tripped"].includes(x.action) &&
        ruleFor(rules, x.agentId, x.actionTypeId).autoTrip,
    );
    for (const r of retrip) {
      try {
        if (await retripIfReset(rules, r.id, r.score, r.peak, now)) result.retripped++;
      } catch (e) {
        result.failed++;
        console.error(`[anomalies] re-trip ${r.id}: ${(e as Error).message ?? String(e)}`);
      }
    }
  }
  if (ending.length) {
    const ended = await db.anomaly.updateMany({
      where: { id: { in: ending }, endedAt: null },
      data: { endedAt: now },
    });
    result.ended += ended.count;
  }
  for (const { p, rule, s } of firing) {
    // one pair's failure (a row gone, a trip refused) is logged and does not stop the others
    try {
      const opened = await openEpisode(p, rule, s, now);
      if (opened) result.opened.push(opened);
    } catch (e) {
      result.failed++;
      console.error(`[anomalies] ${pairKey(p)}: ${(e as Error).message ?? String(e)}`);
    }
  }
  result.finished = await finishing;
  return result;
}

/**
 * An episode that tripped its agent's switch, whose score rose above its peak: if a person reset
 * the switch since the episode began, trip it again, with the rise as the reason, and say so on
 * the episode. True when it was tripped again.
 */
async function retripIfReset(
  rules: TRules,
  anomalyId: string,
  score: number,
  peak: number,
  now: Date,
) {
  const a = await db.anomaly.findUniqueOrThrow({ where: { id: anomalyId } });
  if (!["tripped", "already_tripped"].includes(a.action)) return false;
  const rule = ruleFor(rules, a.agentId, a.actionTypeId);
  if (!rule.enabled || !rule.autoTrip) return false;
  const sw = await db.killSwitch.findUnique({ where: { scopeKey: `agent:${a.agentId}` } });
  if (!sw || sw.engaged || !sw.resetAt || sw.resetAt < a.createdAt) return false;
  const rise = `score ${fmt(score)} above the episode's peak ${fmt(peak)} after a person reset the switch`;
  await tripKillSwitch(
    {
      scope: "agent",
      target: a.agentId,
      reason: `Anomaly rising: ${rise} (automatic trip, anomaly ${anomalyId})`.slice(0, 2000),
    },
    null,
  );
  await db.anomaly.update({
    where: { id: anomalyId },
    data: {
      killSwitchId: sw.id,
      actionDetail: `${a.actionDetail}; tripped again ${now.toISOString()}: ${rise}`.slice(0, 2000),
    },
  });
  return true;
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
