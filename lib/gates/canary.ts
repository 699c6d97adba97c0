import "server-only";
import { db, Prisma } from "@/lib/db";
import { AppError } from "@/lib/core/errors";
import { rollbackCanary } from "@/lib/workflows/versions";
import { OPEN_STATUSES } from "@/lib/metrics/rollup";
import { BREACH_MIN_SAMPLE } from "./evaluate-gate";
import { DEFAULT_CRITERIA } from "./schemas";
import { twoProportionZTest, type TTwoProportionResult } from "./two-proportion";
import {
  CANARY_LOOKS,
  CANARY_MIN_TRIALS,
  LOOK_ALPHA,
  judgeLooks,
  looksReached,
  nextLook,
  type TLookCounts,
} from "./sequential";

export { CANARY_ALPHA, CANARY_LOOKS, CANARY_MIN_TRIALS, LOOK_ALPHA } from "./sequential";

/**
 * Workflow canary criteria. A canary is a published workflow version below 100 % rollout
 * (lib/workflows/bucket.ts: sticky by account); its baseline is the newest published version
 * at 100 % of the same workflow — the one whose accounts the canary takes. Both cohorts are
 * the agents' own requests of each version since the canary was published.
 *
 * Stage conversion, per cohort: of its decided stage changes (requests with a StageName field
 * change, no longer open, not merely observed), the share that stands in Salesforce —
 * succeeded, not reverted, no drift found by reconciliation. The canary fails when, at one of
 * the fixed looks (./sequential.ts: the canary cohort at 30, 60, 120, … decided stage changes),
 * its conversion is lower with a one-sided p-value under α / K (two-proportion z-test,
 * ./two-proportion.ts); or when its reversal or exception rate (the metrics' definitions)
 * reaches the default gate's limit on at least BREACH_MIN_SAMPLE. A failed canary is rolled back
 * by the phaseGates leader's step (unless TOLLGATE_CANARY_MANUAL_ONLY); each evaluation the
 * leader makes is recorded (CanaryEvaluation) so the workflow page can say when.
 */

const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;
const list = (values: readonly string[]) => Prisma.join(values.map((v) => Prisma.sql`${v}`));

/** A cohort's decided stage changes: (createdAt, id, converted 0/1), the agents' own only. */
const cohort = (versionId: string, since: Date, now: Date) => Prisma.sql`
    SELECT r.id, r."createdAt" AS at,
      (r.status = 'succeeded' AND NOT EXISTS (
        SELECT 1 FROM "ReconciliationFinding" f WHERE f."actionRequestId" = r.id AND f.kind = 'drift'))::int AS ok
    FROM "ActionRequest" r
    WHERE r."workflowVersionId" = ${versionId} AND r."createdAt" >= ${utc(since)}
      AND r."createdAt" <= ${utc(now)} AND r."requestedById" IS NULL
      AND r.status::text NOT IN (${list([...OPEN_STATUSES, "observed"])})
      AND EXISTS (SELECT 1 FROM "FieldChange" fc WHERE fc."actionRequestId" = r.id AND fc.field = 'StageName')`;

async function conversion(versionId: string, since: Date, now: Date) {
  const [row] = await db.$queryRaw<{ n: number; x: number }[]>`
    SELECT count(*)::int AS n, coalesce(sum(ok), 0)::int AS x FROM (${cohort(versionId, since, now)}) c`;
  return row;
}

/**
 * The looks taken so far: at each, the canary's first n_k decided stage changes (creation order)
 * and the baseline's decided stage changes created up to the n_k-th one, with when it stood.
 */
async function looksOf(canaryId: string, baselineId: string, since: Date, now: Date) {
  return db.$queryRaw<(TLookCounts & { at: Date })[]>`
    WITH c AS (
      SELECT at, rn, x FROM (
        SELECT at, row_number() OVER (ORDER BY at, id) AS rn, sum(ok) OVER (ORDER BY at, id) AS x
        FROM (${cohort(canaryId, since, now)}) q) w
      WHERE rn IN (${Prisma.join([...CANARY_LOOKS])})),
    b AS (${cohort(baselineId, since, now)})
    SELECT c.rn::int AS n, c.at, c.x::int AS x1, c.rn::int AS n1,
      (SELECT count(*) FROM b WHERE b.at <= c.at)::int AS n2,
      (SELECT coalesce(sum(ok), 0) FROM b WHERE b.at <= c.at)::int AS x2
    FROM c ORDER BY c.rn`;
}

/** A cohort's size: the agents' own requests of the version in the window, and their accounts. */
async function sizeOf(versionId: string, since: Date, now: Date) {
  const [row] = await db.$queryRaw<{ requests: number; accounts: number }[]>`
    SELECT count(*)::int AS requests, count(DISTINCT r."accountId")::int AS accounts
    FROM "ActionRequest" r
    WHERE r."workflowVersionId" = ${versionId} AND r."createdAt" >= ${utc(since)}
      AND r."createdAt" <= ${utc(now)} AND r."revertsId" IS NULL`;
  return row;
}

/**
 * A cohort's reversal and exception rates with the metrics' definitions (lib/metrics/rollup.ts),
 * counted from the version's requests in the cohort's window itself: the hourly rollups would
 * add the hour before the canary was published.
 */
async function rates(versionId: string, since: Date, until: Date) {
  const [c] = await db.$queryRaw<
    { writes: number; reverted: number; drifted: number; executed: number; exceptions: number }[]
  >`
    SELECT count(*) FILTER (WHERE status IN ('succeeded', 'reverted'))::int AS writes,
      count(*) FILTER (WHERE status = 'reverted')::int AS reverted,
      count(*) FILTER (WHERE status = 'succeeded' AND drift)::int AS drifted,
      count(*) FILTER (WHERE executed)::int AS executed,
      count(*) FILTER (WHERE executed AND (status IN ('failed', 'dead_lettered') OR conflict))::int AS exceptions
    FROM (
      SELECT r.status::text AS status,
        (ea.executed IS NOT NULL OR r.status = 'dead_lettered') AS executed,
        coalesce(ea.conflict, false) AS conflict,
        EXISTS (SELECT 1 FROM "ReconciliationFinding" f
                WHERE f."actionRequestId" = r.id AND f.kind = 'drift') AS drift
      FROM "ActionRequest" r
      LEFT JOIN LATERAL (
        SELECT true AS executed, bool_or(a.outcome = 'conflict') AS conflict
        FROM "ExecutionAttempt" a WHERE a."actionRequestId" = r.id HAVING count(*) > 0
      ) ea ON true
      WHERE r."workflowVersionId" = ${versionId} AND r."createdAt" >= ${utc(since)}
        AND r."createdAt" <= ${utc(until)} AND r."revertsId" IS NULL
    ) q`;
  return {
    ...c,
    /** (reverted + drifted writes) / writes */
    reversalRate: c.writes ? (c.reverted + c.drifted) / c.writes : null,
    /** (failed + dead-lettered + met a conflict, each request once) / executed */
    exceptionRate: c.executed ? c.exceptions / c.executed : null,
  };
}

export type TCanaryCheck = {
  key: "conversion" | "reversal" | "exception";
  label: string;
  /** null: not enough data yet to judge */
  failed: boolean | null;
  evidence: string;
  /** the least each cohort needs before the criterion can judge */
  minSample: number;
};

const pct = (r: number) => `${(Math.round(r * 10_000) / 100).toString()} %`;

type TVersionRef = {
  id: string;
  version: number;
  rolloutPercent: number;
  publishedAt: Date | null;
  createdAt: Date;
  retiredAt?: Date | null;
  workflow: { id: string; key: string; name: string };
};

/**
 * One canary judged against its baseline: cohorts, the test on all data so far (for the page),
 * the looks taken and the criteria. `until` ends the cohorts (now, or when a canary was retired).
 */
export async function evaluateCanary(
  canary: TVersionRef,
  baseline: { id: string; version: number } | null,
  until: Date,
) {
  const since = canary.publishedAt ?? canary.createdAt;
  const c = await conversion(canary.id, since, until);
  const b = baseline ? await conversion(baseline.id, since, until) : { n: 0, x: 0 };
  const test: TTwoProportionResult | null = baseline
    ? twoProportionZTest({ x1: c.x, n1: c.n, x2: b.x, n2: b.n })
    : null;
  const lookRows = baseline ? await looksOf(canary.id, baseline.id, since, until) : [];
  const sequential = judgeLooks(lookRows);
  const looks = sequential.looks.map((l, i) => ({ ...l, at: lookRows[i].at }));
  const f = await rates(canary.id, since, until);
  const fb = baseline ? await rates(baseline.id, since, until) : null;
  const failedLook = sequential.failedAt ? looks[sequential.failedAt.look - 1] : null;
  const checks: TCanaryCheck[] = [
    {
      key: "conversion",
      label: `No significant drop in stage conversion (one-sided p ≥ ${LOOK_ALPHA.toPrecision(3)} at a look)`,
      failed: !baseline ? null : sequential.failed,
      minSample: CANARY_MIN_TRIALS,
      evidence: !baseline
        ? "No baseline version at 100 % to compare with"
        : failedLook
          ? `at look ${failedLook.look} (${failedLook.n1} canary stage changes): canary ${failedLook.x1}/${failedLook.n1} (${pct(failedLook.x1 / failedLook.n1)}) vs baseline ${failedLook.x2}/${failedLook.n2} (${pct(failedLook.x2 / failedLook.n2)}), z = ${failedLook.test!.z.toFixed(2)}, p = ${failedLook.test!.pDrop.toPrecision(3)} < ${LOOK_ALPHA.toPrecision(3)}`
          : `canary ${c.x}/${c.n}${c.n ? ` (${pct(c.x / c.n)})` : ""} vs baseline ${b.x}/${b.n}${b.n ? ` (${pct(b.x / b.n)})` : ""}` +
            `, ${looks.length} of ${CANARY_LOOKS.length} looks taken` +
            (looks.some((l) => l.judged)
              ? ""
              : ` — judged from ${CANARY_MIN_TRIALS} stage changes per cohort`),
    },
    {
      key: "reversal",
      label: `Reversal rate under ${pct(DEFAULT_CRITERIA.maxReversalRate)}`,
      failed:
        f.writes < BREACH_MIN_SAMPLE || f.reversalRate === null
          ? null
          : f.reversalRate >= DEFAULT_CRITERIA.maxReversalRate,
      minSample: BREACH_MIN_SAMPLE,
      evidence: `${f.reverted} reverted + ${f.drifted} drifted of ${f.writes} writes`,
    },
    {
      key: "exception",
      label: `Exception rate under ${pct(DEFAULT_CRITERIA.maxExceptionRate)}`,
      failed:
        f.executed < BREACH_MIN_SAMPLE || f.exceptionRate === null
          ? null
          : f.exceptionRate >= DEFAULT_CRITERIA.maxExceptionRate,
      minSample: BREACH_MIN_SAMPLE,
      evidence: `${f.exceptions} exceptions of ${f.executed} executed`,
    },
  ];
  const taken = looksReached(c.n);
  return {
    canary: {
      id: canary.id,
      version: canary.version,
      rolloutPercent: canary.rolloutPercent,
      since,
      until,
    },
    baseline: baseline ? { id: baseline.id, version: baseline.version } : null,
    workflow: canary.workflow,
    cohorts: { canary: c, baseline: b },
    sizes: {
      canary: await sizeOf(canary.id, since, until),
      baseline: baseline ? await sizeOf(baseline.id, since, until) : null,
    },
    rates: { canary: f, baseline: fb },
    test,
    looks,
    nextLook: taken < CANARY_LOOKS.length ? { n: nextLook(c.n)!, threshold: LOOK_ALPHA } : null,
    checks,
    failed: checks.some((k) => k.failed === true),
  };
}
export type TCanaryEvaluation = Awaited<ReturnType<typeof evaluateCanary>>;

/** Every canary (of one workflow, when given) with its baseline, cohorts, looks and criteria. */
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
  const out: TCanaryEvaluation[] = [];
  for (const canary of versions.filter((v) => v.rolloutPercent < 100)) {
    const baseline =
      versions.find(
        (v) =>
          v.workflow.id === canary.workflow.id &&
          v.rolloutPercent >= 100 &&
          v.version < canary.version,
      ) ?? null;
    out.push(await evaluateCanary(canary, baseline, now));
  }
  return out;
}

/** What the leader found, kept for the workflow page ("last evaluated"). */
async function recordEvaluation(e: TCanaryEvaluation, at: Date) {
  const data = { evaluatedAt: at, failed: e.failed, looks: e.looks.length };
  await db.canaryEvaluation.upsert({
    where: { workflowVersionId: e.canary.id },
    create: { workflowVersionId: e.canary.id, ...data },
    update: data,
  });
}

/**
 * Roll a failed canary back through the workflows console's own service (lib/workflows
 * `rollbackCanary`: a guarded update, its config-lane audit event, the caches cleared), as the
 * system. A canary already rolled back or promoted meanwhile (a person, another leader) is not an
 * error here: nothing is left to do. Returns whether this call rolled it back.
 */
export async function rollBackCanaryAsSystem(
  versionId: string,
  reason: string,
  evidence?: unknown,
) {
  try {
    await rollbackCanary(versionId, { type: "system" }, reason, null, evidence);
    return true;
  } catch (e) {
    if (e instanceof AppError && (e.code === "state_changed" || e.code === "not_a_canary")) {
      return false;
    }
    throw e;
  }
}

/**
 * The leader's step: every canary evaluated (and the evaluation recorded); unless `manualOnly`,
 * every failed one rolled back with the failed criteria and their evidence as the reason.
 */
export async function rollbackFailedCanaries(
  now = new Date(),
  workflowId?: string,
  manualOnly = false,
) {
  let n = 0;
  for (const e of await evaluateCanaries(now, workflowId)) {
    await recordEvaluation(e, now);
    if (!e.failed || manualOnly) continue;
    const reason = `Automatic rollback: ${e.checks
      .filter((k) => k.failed)
      .map((k) => `${k.label} failed (${k.evidence})`)
      .join("; ")}`;
    if (await rollBackCanaryAsSystem(e.canary.id, reason.slice(0, 2000), evidenceOf(e))) n++;
  }
  return n;
}

/** What an automatic rollback keeps on its audit event: the failed criteria and the figures. */
export function evidenceOf(e: TCanaryEvaluation) {
  const failedLook = e.looks.find((l) => l.failed) ?? null;
  return {
    failed: e.checks
      .filter((k) => k.failed)
      .map((k) => ({ key: k.key, label: k.label, evidence: k.evidence })),
    cohorts: e.cohorts,
    look: failedLook
      ? {
          look: failedLook.look,
          x1: failedLook.x1,
          n1: failedLook.n1,
          x2: failedLook.x2,
          n2: failedLook.n2,
          z: failedLook.test?.z ?? null,
          p: failedLook.test?.pDrop ?? null,
          threshold: failedLook.threshold,
        }
      : null,
  };
}
