import "server-only";
import { db, Prisma } from "@/lib/db";
import { AppError } from "@/lib/core/errors";
import { rollbackCanary } from "@/lib/workflows/versions";
import { figures } from "@/lib/metrics/dashboard";
import { COUNTERS } from "@/lib/metrics/histogram";
import { OPEN_STATUSES } from "@/lib/metrics/rollup";
import { BREACH_MIN_SAMPLE } from "./evaluate-gate";
import { DEFAULT_CRITERIA } from "./schemas";
import { twoProportionZTest, type TTwoProportionResult } from "./two-proportion";

/**
 * Workflow canary criteria. A canary is a published workflow version below 100 % rollout
 * (lib/workflows/bucket.ts: sticky by account); its baseline is the newest published version
 * at 100 % of the same workflow — the one whose accounts the canary takes. Both cohorts are
 * the agents' own requests of each version since the canary was published.
 *
 * Stage conversion, per cohort: of its decided stage changes (requests with a StageName field
 * change, no longer open, not merely observed), the share that stands in Salesforce —
 * succeeded, not reverted, no drift found by reconciliation. The canary fails when its
 * conversion is lower with a one-sided p-value under CANARY_ALPHA (two-proportion z-test,
 * ./two-proportion.ts), once each cohort has CANARY_MIN_TRIALS; or when its reversal or
 * exception rate (the metrics' definitions) reaches the default gate's limit on at least
 * BREACH_MIN_SAMPLE. A failed canary is rolled back by the phaseGates leader's step.
 */

export const CANARY_ALPHA = 0.05;
export const CANARY_MIN_TRIALS = 30;

const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;
const list = (values: readonly string[]) => Prisma.join(values.map((v) => Prisma.sql`${v}`));

async function conversion(versionId: string, since: Date, now: Date) {
  const [row] = await db.$queryRaw<{ n: number; x: number }[]>`
    SELECT count(*)::int AS n,
      count(*) FILTER (WHERE r.status = 'succeeded' AND NOT EXISTS (
        SELECT 1 FROM "ReconciliationFinding" f WHERE f."actionRequestId" = r.id AND f.kind = 'drift'))::int AS x
    FROM "ActionRequest" r
    WHERE r."workflowVersionId" = ${versionId} AND r."createdAt" >= ${utc(since)}
      AND r."createdAt" <= ${utc(now)} AND r."requestedById" IS NULL
      AND r.status::text NOT IN (${list([...OPEN_STATUSES, "observed"])})
      AND EXISTS (SELECT 1 FROM "FieldChange" fc WHERE fc."actionRequestId" = r.id AND fc.field = 'StageName')`;
  return row;
}

async function rates(versionId: string, since: Date) {
  const sums = Prisma.raw(
    COUNTERS.map((k) => `coalesce(sum("${k}"), 0)::float8 as "${k}"`).join(", "),
  );
  const [counts] = await db.$queryRaw<Record<(typeof COUNTERS)[number], number>[]>`
    select ${sums} from "MetricHour"
    where "workflowVersionId" = ${versionId} and hour >= date_trunc('hour', ${utc(since)})`;
  return figures({ ...counts, decisionHist: [], cycleHist: [] });
}

export type TCanaryCheck = {
  key: "conversion" | "reversal" | "exception";
  label: string;
  /** null: not enough data yet to judge */
  failed: boolean | null;
  evidence: string;
};

const pct = (r: number) => `${(Math.round(r * 10_000) / 100).toString()} %`;

/** Every canary (of one workflow, when given) with its baseline, cohorts, test and criteria. */
export async function evaluateCanaries(now = new Date(), workflowId?: string) {
  const versions = await db.workflowVersion.findMany({
    where: { status: "published", ...(workflowId ? { workflowId } : {}) },
    select: {
      id: true,
      version: true,
      rolloutPercent: true,
      publishedAt: true,
      createdAt: true,
      workflow: { select: { id: true, key: true, name: true } },
    },
    orderBy: [{ workflowId: "asc" }, { version: "desc" }],
  });
  const out = [];
  for (const canary of versions.filter((v) => v.rolloutPercent < 100)) {
    const baseline = versions.find(
      (v) =>
        v.workflow.id === canary.workflow.id &&
        v.rolloutPercent >= 100 &&
        v.version < canary.version,
    );
    const since = canary.publishedAt ?? canary.createdAt;
    const c = await conversion(canary.id, since, now);
    const b = baseline ? await conversion(baseline.id, since, now) : { n: 0, x: 0 };
    const test: TTwoProportionResult | null = baseline
      ? twoProportionZTest({ x1: c.x, n1: c.n, x2: b.x, n2: b.n })
      : null;
    const enough = c.n >= CANARY_MIN_TRIALS && b.n >= CANARY_MIN_TRIALS;
    const f = await rates(canary.id, since);
    const checks: TCanaryCheck[] = [
      {
        key: "conversion",
        label: `No significant drop in stage conversion (one-sided p ≥ ${CANARY_ALPHA})`,
        failed:
          !baseline || !enough || !test ? null : test.p1 < test.p2 && test.pDrop < CANARY_ALPHA,
        evidence: !baseline
          ? "No baseline version at 100 % to compare with"
          : `canary ${c.x}/${c.n}${c.n ? ` (${pct(c.x / c.n)})` : ""} vs baseline ${b.x}/${b.n}${b.n ? ` (${pct(b.x / b.n)})` : ""}` +
            (test ? `, z = ${test.z.toFixed(2)}, p = ${test.pDrop.toPrecision(3)}` : "") +
            (enough ? "" : ` — judged from ${CANARY_MIN_TRIALS} stage changes per cohort`),
      },
      {
        key: "reversal",
        label: `Reversal rate under ${pct(DEFAULT_CRITERIA.maxReversalRate)}`,
        failed:
          f.writes < BREACH_MIN_SAMPLE || f.reversalRate === null
            ? null
            : f.reversalRate >= DEFAULT_CRITERIA.maxReversalRate,
        evidence: `${f.reverted} reverted + ${f.drifted} drifted of ${f.writes} writes`,
      },
      {
        key: "exception",
        label: `Exception rate under ${pct(DEFAULT_CRITERIA.maxExceptionRate)}`,
        failed:
          f.executed < BREACH_MIN_SAMPLE || f.exceptionRate === null
            ? null
            : f.exceptionRate >= DEFAULT_CRITERIA.maxExceptionRate,
        evidence: `${f.exceptions} exceptions of ${f.executed} executed`,
      },
    ];
    out.push({
      canary: {
        id: canary.id,
        version: canary.version,
        rolloutPercent: canary.rolloutPercent,
        since,
      },
      baseline: baseline ? { id: baseline.id, version: baseline.version } : null,
      workflow: canary.workflow,
      cohorts: { canary: c, baseline: b },
      test,
      checks,
      failed: checks.some((k) => k.failed === true),
    });
  }
  return out;
}
export type TCanaryEvaluation = Awaited<ReturnType<typeof evaluateCanaries>>[number];

/**
 * Roll a failed canary back through the workflows console's own service (lib/workflows
 * `rollbackCanary`: a guarded update, its config-lane audit event, the caches cleared), as the
 * system. A canary already rolled back or promoted meanwhile (a person, another leader) is not an
 * error here: nothing is left to do. Returns whether this call rolled it back.
 */
export async function rollBackCanaryAsSystem(versionId: string, reason: string) {
  try {
    await rollbackCanary(versionId, { type: "system" }, reason);
    return true;
  } catch (e) {
    if (e instanceof AppError && (e.code === "state_changed" || e.code === "not_a_canary")) {
      return false;
    }
    throw e;
  }
}

/** The leader's step: every failed canary rolled back, with the failed criteria as the reason. */
export async function rollbackFailedCanaries(now = new Date(), workflowId?: string) {
  let n = 0;
  for (const e of await evaluateCanaries(now, workflowId)) {
    if (!e.failed) continue;
    const reason = `Automatic rollback: ${e.checks
      .filter((k) => k.failed)
      .map((k) => `${k.label} failed (${k.evidence})`)
      .join("; ")}`;
    if (await rollBackCanaryAsSystem(e.canary.id, reason.slice(0, 2000))) n++;
  }
  return n;
}
