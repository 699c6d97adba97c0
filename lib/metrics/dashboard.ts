import "server-only";
import { z } from "zod";
import { db, Prisma } from "@/lib/db";
import { AppError } from "@/lib/core/errors";
import { BUCKETS, COUNTERS, quantileMs } from "./histogram";
import { sumHistogram } from "./rollup";

export const METRIC_PERIODS = [7, 30, 90] as const;

const optionalId = z
  .string()
  .trim()
  .max(64)
  .optional()
  .transform((s) => s || undefined);

/** The dashboard's filters as they stand in the URL (`?days=30&agent=…`), ids of each thing. */
export const ZMetricsQuery = z
  .object({
    days: z
      .string()
      .optional()
      .transform((s) => (s ? Number(s) : 30))
      .pipe(
        z
          .number()
          .refine((n) => (METRIC_PERIODS as readonly number[]).includes(n), "7, 30 or 90 days"),
      ),
    agent: optionalId,
    workflowVersion: optionalId,
    actionType: optionalId,
    environment: optionalId,
  })
  .strip();
export type TMetricsQueryInput = z.input<typeof ZMetricsQuery>;

type TCounts = Record<(typeof COUNTERS)[number], number> & {
  decisionHist: number[];
  cycleHist: number[];
};

const zero = (): TCounts => ({
  ...(Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<(typeof COUNTERS)[number], number>),
  decisionHist: Array<number>(BUCKETS).fill(0),
  cycleHist: Array<number>(BUCKETS).fill(0),
});

/** The counters of a row (the grouping columns left behind). */
const countsOf = (r: TCounts): TCounts => ({
  ...(Object.fromEntries(COUNTERS.map((c) => [c, r[c]])) as Record<
    (typeof COUNTERS)[number],
    number
  >),
  decisionHist: r.decisionHist,
  cycleHist: r.cycleHist,
});

const rate = (n: number, d: number) => (d ? n / d : null);
const ms = (v: number | null) => (v === Infinity ? null : v);

/** The figures of a selection: the counts and the rates, times and shares made of them. */
export function figures(c: TCounts) {
  return {
    ...c,
    /** (reverted + drifted writes) / writes */
    reversalRate: rate(c.reverted + c.drifted, c.writes),
    /** (failed + dead-lettered + met a conflict, each request once) / executed */
    exceptionRate: rate(c.exceptions, c.executed),
    /** decided by a person within the SLA / decided by a person with an SLA */
    slaAdherence: rate(c.withinSla, c.slaMeasured),
    decisionMeanMs: c.humanDecided ? c.decisionMsSum / c.humanDecided : null,
    decisionP50Ms: ms(quantileMs(c.decisionHist, 0.5)),
    decisionP90Ms: ms(quantileMs(c.decisionHist, 0.9)),
    /** "longer than the last edge" when the quantile falls in the open bucket */
    decisionP90Over: quantileMs(c.decisionHist, 0.9) === Infinity,
    cycleMeanMs: c.writes ? c.cycleMsSum / c.writes : null,
    cycleP50Ms: ms(quantileMs(c.cycleHist, 0.5)),
    cycleP90Ms: ms(quantileMs(c.cycleHist, 0.9)),
  };
}
export type TFigures = ReturnType<typeof figures>;

type TRow = TCounts & {
  /** which grouping set the row is (grouping() of the six columns, a bit per column left out) */
  g: number;
  current: boolean;
  day: string | null;
  agentId: string | null;
  environmentId: string | null;
  workflowVersionId: string | null;
  actionTypeId: string | null;
  approverRole: string | null;
};

const DAY = 24 * 3_600_000;

/** grouping(day, agent, environment, workflow version, action type, approver group) per set */
const SETS = {
  total: 0b111111,
  day: 0b011111,
  agent: 0b101111,
  environment: 0b110111,
  workflowVersion: 0b111011,
  actionType: 0b111101,
  approverGroup: 0b111110,
} as const;

/**
 * The metrics dashboard: the figures of the period (the last 7, 30 or 90 UTC days, today
 * included) and of the period before it, a series per day, and breakdowns by agent, action
 * type, workflow version, environment and approver group — summed in one statement from
 * MetricDay (never a scan of the requests), with the names of what they are about.
 */
export async function getMetrics(input: TMetricsQueryInput, now = new Date()) {
  const parsed = ZMetricsQuery.safeParse(input);
  if (!parsed.success) {
    throw new AppError("invalid_query", "The metrics filters are not valid", {
      errors: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const q = parsed.data;
  const to = new Date(Math.floor(now.getTime() / DAY) * DAY + DAY);
  const from = new Date(to.getTime() - q.days * DAY);
  const previousFrom = new Date(from.getTime() - q.days * DAY);
  const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;
  const where: Prisma.Sql[] = [
    Prisma.sql`day >= ${utc(previousFrom)}`,
    Prisma.sql`day < ${utc(to)}`,
  ];
  if (q.agent) where.push(Prisma.sql`"agentId" = ${q.agent}`);
  if (q.workflowVersion) where.push(Prisma.sql`"workflowVersionId" = ${q.workflowVersion}`);
  if (q.actionType) where.push(Prisma.sql`"actionTypeId" = ${q.actionType}`);
  if (q.environment) where.push(Prisma.sql`"environmentId" = ${q.environment}`);
  const sums = Prisma.raw(
    [
      ...COUNTERS.map((c) => `sum("${c}")::float8 as "${c}"`),
      `${sumHistogram("decisionHist", "float8")} as "decisionHist"`,
      `${sumHistogram("cycleHist", "float8")} as "cycleHist"`,
    ].join(",\n      "),
  );
  const [rows, facets] = await Promise.all([
    readRows(Prisma.sql`
      select grouping(d, "agentId", "environmentId", "workflowVersionId", "actionTypeId",
          "approverRole") as g,
        current, to_char(d, 'YYYY-MM-DD') as day, "agentId", "environmentId",
        "workflowVersionId", "actionTypeId", "approverRole",
        ${sums}
      from (select *, day as d, day >= ${utc(from)} as current from "MetricDay"
            where ${Prisma.join(where, " and ")}) m
      group by grouping sets ((current), (current, d), (current, "agentId"),
        (current, "environmentId"), (current, "workflowVersionId"), (current, "actionTypeId"),
        (current, "approverRole"))`),
    metricFacets(),
  ]);

  let total = zero();
  let previous = zero();
  const byDay = new Map<string, TCounts>();
  const by = {
    agent: new Map<string, TCounts>(),
    actionType: new Map<string, TCounts>(),
    workflowVersion: new Map<string, TCounts>(),
    environment: new Map<string, TCounts>(),
    approverGroup: new Map<string, TCounts>(),
  };
  for (const r of rows) {
    if (r.g === SETS.total) {
      if (r.current) total = countsOf(r);
      else previous = countsOf(r);
    } else if (!r.current) continue;
    else if (r.g === SETS.day) byDay.set(r.day!, countsOf(r));
    else if (r.g === SETS.agent) by.agent.set(r.agentId!, countsOf(r));
    else if (r.g === SETS.environment) by.environment.set(r.environmentId!, countsOf(r));
    else if (r.g === SETS.workflowVersion && r.workflowVersionId)
      by.workflowVersion.set(r.workflowVersionId, countsOf(r));
    else if (r.g === SETS.actionType && r.actionTypeId)
      by.actionType.set(r.actionTypeId, countsOf(r));
    else if (r.g === SETS.approverGroup && r.approverRole)
      by.approverGroup.set(r.approverRole, countsOf(r));
  }
  const days: string[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += DAY) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  const named = <T extends { id: string }>(m: Map<string, TCounts>, known: T[]) =>
    [...m]
      .map(([id, c]) => ({
        ...(known.find((k) => k.id === id) ?? ({ id, name: id } as unknown as T)),
        figures: figures(c),
      }))
      .sort((a, b) => b.figures.proposed - a.figures.proposed);
  return {
    period: {
      days: q.days,
      from: from.toISOString(),
      to: to.toISOString(),
      previousFrom: previousFrom.toISOString(),
    },
    filters: q,
    current: figures(total),
    previous: figures(previous),
    series: days.map((day) => ({ day, figures: figures(byDay.get(day) ?? zero()) })),
    // an agent runs in each environment under one name: the row says which
    byAgent: named(by.agent, facets.agents).map((a) => ({
      ...a,
      name: "environment" in a && a.environment ? `${a.name} (${a.environment})` : a.name,
    })),
    byActionType: named(by.actionType, facets.actionTypes),
    byWorkflowVersion: named(by.workflowVersion, facets.workflowVersions),
    byEnvironment: named(by.environment, facets.environments),
    byApproverGroup: named(by.approverGroup, facets.approverGroups),
    facets,
    computedAt: new Date().toISOString(),
  };
}
export type TMetrics = Awaited<ReturnType<typeof getMetrics>>;

/**
 * The period's rows, JIT off: the planner's estimate (one sum per counter and bucket) would
 * have PostgreSQL compile the statement, which costs more than running it.
 */
function readRows(sql: Prisma.Sql) {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`set local jit = off`;
    return tx.$queryRaw<TRow[]>(sql);
  });
}

/** What the dashboard can be filtered by, with names (and the keys the Requests page takes). */
async function metricFacets() {
  const [agents, actionTypes, versions, environments, groups] = await Promise.all([
    db.agent.findMany({
      select: { id: true, slug: true, name: true, environment: { select: { name: true } } },
      orderBy: [{ name: "asc" }, { id: "asc" }],
    }),
    db.actionType.findMany({
      select: { id: true, key: true, name: true },
      orderBy: { key: "asc" },
    }),
    db.workflowVersion.findMany({
      select: { id: true, version: true, workflow: { select: { key: true, name: true } } },
      orderBy: [{ workflow: { key: "asc" } }, { version: "asc" }],
    }),
    db.environment.findMany({
      select: { id: true, slug: true, name: true },
      orderBy: { name: "asc" },
    }),
    db.approverGroup.findMany({ select: { key: true, name: true }, orderBy: { name: "asc" } }),
  ]);
  return {
    agents: agents.map((a) => ({
      id: a.id,
      slug: a.slug,
      name: a.name,
      environment: a.environment?.name ?? null,
    })),
    actionTypes: actionTypes.map((t) => ({ id: t.id, key: t.key, name: t.name })),
    workflowVersions: versions.map((v) => ({
      id: v.id,
      name: `${v.workflow.name} v${v.version}`,
      workflow: v.workflow.key,
      version: v.version,
    })),
    environments: environments.map((e) => ({ id: e.id, slug: e.slug, name: e.name })),
    approverGroups: groups.map((g) => ({ id: g.key, name: g.name })),
  };
}
