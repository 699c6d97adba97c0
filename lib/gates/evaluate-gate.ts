import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import { notFound } from "@/lib/core/errors";
import { figures } from "@/lib/metrics/dashboard";
import { COUNTERS } from "@/lib/metrics/histogram";
import { countAnomalies } from "@/lib/anomalies/count-anomalies";
import { DEFAULT_CRITERIA, nextPhase, type TPhase, type TPromotionCriteria } from "./schemas";

const DAY = 24 * 3_600_000;

/**
 * In execute phase a rate is judged a breach (automatic demotion) only once this many writes
 * (reversal) or executed requests (exception) are behind it: one reverted write of three is not
 * evidence of a 33 % reversal rate.
 */
export const BREACH_MIN_SAMPLE = 20;

export type TGateLink = { label: string; href: string };
export type TGateCheck = {
  key: "proposals" | "reversal" | "exception" | "anomalies" | "incidents";
  label: string;
  /** false when the criterion does not apply in this phase (rates in observe: nothing is written) */
  applies: boolean;
  met: boolean;
  /** in execute phase: the agent is outside the criterion (what automatic demotion acts on) */
  breached: boolean;
  value: number | null;
  threshold: number;
  evidence: string;
  links: TGateLink[];
};

const pct = (r: number) => `${(Math.round(r * 10_000) / 100).toString()} %`;

const qs = (o: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(o).filter((e): e is [string, string] => !!e[1])).toString();

/** The agent's criteria: its own row, or the defaults. */
export async function criteriaOf(c: Tx | typeof db, agentId: string) {
  const row = await c.promotionCriteria.findUnique({
    where: { agentId },
    include: { updatedBy: { select: { name: true } } },
  });
  if (!row)
    return {
      ...DEFAULT_CRITERIA,
      isDefault: true as const,
      setBy: null,
      setAt: null,
      reason: null,
    };
  const { agentId: _a, updatedById: _u, updatedBy, updatedAt, reason, ...criteria } = row;
  return {
    ...(criteria as TPromotionCriteria),
    isDefault: false as const,
    setBy: updatedBy.name,
    setAt: updatedAt,
    reason,
  };
}

/**
 * An agent's phase gate: its record since it entered its current phase (within the criteria's
 * window), each criterion met or not with its figures and links to the requests behind them.
 * The rates are the metrics dashboard's (lib/metrics/dashboard.ts `figures`), summed from the
 * same hourly rollups (MetricHour, by the hour: the hour of a phase change counts whole).
 * Reads through `c` so a promotion evaluates inside its own transaction, under the agent's lock.
 */
export async function evaluateGate(agentId: string, now = new Date(), c: Tx | typeof db = db) {
  const agent = await c.agent.findUnique({
    where: { id: agentId },
    select: {
      id: true,
      slug: true,
      name: true,
      phase: true,
      status: true,
      createdAt: true,
      environmentId: true,
      environment: { select: { slug: true, name: true } },
    },
  });
  if (!agent) throw notFound("Agent");
  const criteria = await criteriaOf(c, agentId);
  const last = await c.phaseChange.findFirst({
    where: { agentId },
    orderBy: { createdAt: "desc" },
    select: { createdAt: true },
  });
  const phaseSince = last?.createdAt ?? agent.createdAt;
  const windowStart = new Date(now.getTime() - criteria.windowDays * DAY);
  const from = phaseSince > windowStart ? phaseSince : windowStart;

  const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;
  const sums = Prisma.raw(
    COUNTERS.map((k) => `coalesce(sum("${k}"), 0)::float8 as "${k}"`).join(", "),
  );
  const [counts] = await c.$queryRaw<Record<(typeof COUNTERS)[number], number>[]>`
    select ${sums} from "MetricHour"
    where "agentId" = ${agentId} and hour >= date_trunc('hour', ${utc(from)})`;
  const f = figures({ ...counts, decisionHist: [], cycleHist: [] });
  // the proposals are counted exactly from the moment the phase began (the rollups go by the
  // hour, and the hour of a promotion would count the previous phase's requests as this one's)
  const [{ proposed }] = await c.$queryRaw<{ proposed: number }[]>`
    select count(*)::int as proposed from "ActionRequest"
    where "agentId" = ${agentId} and "createdAt" >= ${utc(from)}
      and "revertsId" is null and "requestedById" is null`;

  const anomalySince = new Date(now.getTime() - criteria.anomalyFreeDays * DAY);
  // episodes begun or still firing since then (lib/anomalies), in the agent's environment
  const anomalyCount = await countAnomalies({
    agentId,
    environmentId: agent.environmentId,
    since: anomalySince,
  });
  const incidents = await c.$queryRaw<{ p0: number; untriaged: number }[]>`
    select count(*) filter (where severity = 'P0')::int as p0,
           count(*) filter (where severity is null and "closedAt" is null)::int as untriaged
    from "Incident" where "agentId" = ${agentId}
      and ("openedAt" >= ${utc(windowStart)} or "closedAt" is null)`;
  const { p0, untriaged } = incidents[0];

  const phase = agent.phase as TPhase;
  const requests = (status?: string) =>
    `/requests?${qs({
      agent: agentId,
      environment: agent.environment.slug,
      origin: "agent",
      status,
      from: from.toISOString(),
      to: now.toISOString(),
    })}`;
  const incidentsHref = `/incidents?${qs({ agent: agentId })}`;
  const since = `since ${from.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const writesPhase = phase !== "observe";

  const rateCheck = (
    key: "reversal" | "exception",
    label: string,
    value: number | null,
    max: number,
    sample: number,
    evidence: string,
    links: TGateLink[],
  ): TGateCheck => {
    if (!writesPhase) {
      return {
        key,
        label,
        applies: false,
        met: true,
        breached: false,
        value,
        threshold: max,
        evidence: "Not measured in observe phase: nothing is written",
        links,
      };
    }
    // a rate on a handful of writes says nothing: at least BREACH_MIN_SAMPLE before it is met
    const enough = sample >= BREACH_MIN_SAMPLE;
    const met = value !== null && value < max && enough;
    return {
      key,
      label,
      applies: true,
      met,
      breached:
        phase === "execute" && value !== null && value >= max && sample >= BREACH_MIN_SAMPLE,
      value,
      threshold: max,
      evidence:
        value === null
          ? `No ${key === "reversal" ? "writes" : "executed requests"} yet ${since}`
          : enough
            ? evidence
            : `${evidence} — too few to judge: at least ${BREACH_MIN_SAMPLE} needed`,
      links,
    };
  };

  const checks: TGateCheck[] = [
    {
      key: "proposals",
      label: `At least ${criteria.minProposals} proposals in ${phase} phase`,
      applies: true,
      met: proposed >= criteria.minProposals,
      breached: false,
      value: proposed,
      threshold: criteria.minProposals,
      evidence: `${proposed} proposals ${since}`,
      links: [{ label: `${proposed} proposals`, href: requests() }],
    },
    rateCheck(
      "reversal",
      `Reversal rate under ${pct(criteria.maxReversalRate)}`,
      f.reversalRate,
      criteria.maxReversalRate,
      f.writes,
      `${f.reversalRate === null ? "–" : pct(f.reversalRate)}: ${f.reverted} reverted + ${f.drifted} drifted of ${f.writes} writes ${since}`,
      [
        { label: `${f.reverted} reverted`, href: requests("reverted") },
        { label: `${f.drifted} drifted`, href: "/reconciliation" },
        { label: `${f.writes} writes`, href: requests("succeeded,reverted") },
      ],
    ),
    rateCheck(
      "exception",
      `Exception rate under ${pct(criteria.maxExceptionRate)}`,
      f.exceptionRate,
      criteria.maxExceptionRate,
      f.executed,
      `${f.exceptionRate === null ? "–" : pct(f.exceptionRate)}: ${f.exceptions} exceptions (${f.failed} failed, ${f.deadLettered} dead-lettered, ${f.conflicts} met a conflict) of ${f.executed} executed ${since}`,
      [
        {
          label: `${f.failed} failed, ${f.deadLettered} dead-lettered`,
          href: requests("failed,dead_lettered"),
        },
        { label: `${f.executed} executed`, href: requests() },
      ],
    ),
    {
      key: "anomalies",
      label: `No anomaly in ${criteria.anomalyFreeDays} days`,
      applies: true,
      met: anomalyCount === 0,
      breached: phase === "execute" && anomalyCount > 0,
      value: anomalyCount,
      threshold: 0,
      evidence: `${anomalyCount} anomalies since ${anomalySince.toISOString().slice(0, 16).replace("T", " ")} UTC`,
      links: [
        {
          label: "Incidents from anomalies",
          href: `/incidents?${qs({ agent: agentId, source: "anomaly", state: "all" })}`,
        },
      ],
    },
    {
      key: "incidents",
      label: "Zero P0 incidents, every incident triaged",
      applies: true,
      met: p0 === 0 && untriaged === 0,
      breached: phase === "execute" && p0 > 0,
      value: p0,
      threshold: 0,
      evidence: `${p0} P0 incidents (opened in ${criteria.windowDays} days or still open) and ${untriaged} open incidents without a severity`,
      links: [{ label: "Incidents", href: incidentsHref }],
    },
  ];

  return {
    agent: {
      id: agent.id,
      slug: agent.slug,
      name: agent.name,
      status: agent.status,
      environment: agent.environment,
    },
    phase,
    next: nextPhase(phase),
    phaseSince,
    from,
    to: now,
    criteria,
    record: {
      proposed: f.proposed,
      writes: f.writes,
      reverted: f.reverted,
      drifted: f.drifted,
      executed: f.executed,
      exceptions: f.exceptions,
      reversalRate: f.reversalRate,
      exceptionRate: f.exceptionRate,
      anomalies: anomalyCount,
      p0Incidents: p0,
      untriagedIncidents: untriaged,
    },
    checks,
    allMet: checks.every((k) => k.met),
    breaches: checks.filter((k) => k.breached).map((k) => k.key),
  };
}
export type TGate = Awaited<ReturnType<typeof evaluateGate>>;
