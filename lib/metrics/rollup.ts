import "server-only";
import { db, Prisma } from "@/lib/db";
import { COUNTERS, EDGES_MS } from "./histogram";

/** Marks read per step to choose its (hour, agent) pairs: a step's transaction stays short. */
const TAKE = 2_000;
/** A run (one job tick) takes steps until nothing is left or this long has passed. */
const RUN_BUDGET_MS = 1_500;

/** Statuses in which a request is still on its way (not decided for good, not finished). */
export const OPEN_STATUSES = [
  "received",
  "pending_approval",
  "draft",
  "approved",
  "auto_approved",
  "executing",
  "retrying",
  "halted",
] as const;
export const REFUSED_STATUSES = ["denied", "discarded", "expired"] as const;
export const WRITTEN_STATUSES = ["succeeded", "reverted"] as const;

/** `array[count(*) filter (where cond and ms in bucket i) …]::int[]` over EDGES_MS. */
function histogram(ms: string, cond: string) {
  const parts = [...EDGES_MS, null].map((edge, i) => {
    const lower = i === 0 ? null : EDGES_MS[i - 1];
    const range = [
      lower === null ? null : `${ms} > ${lower}`,
      edge === null ? null : `${ms} <= ${edge}`,
    ]
      .filter(Boolean)
      .join(" and ");
    return `count(*) filter (where ${cond} and ${range})::int`;
  });
  return Prisma.raw(`array[${parts.join(", ")}]`);
}

const list = (values: readonly string[]) =>
  Prisma.raw(values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", "));

/**
 * The `metricsRollup` job's run: steps that each take the (hour, agent) pairs the triggers
 * marked dirty and recompute their MetricHour rows from the requests (migration `…_metrics`),
 * until none is left or the run's time budget is spent. One step at a
 * time across all processes (a transaction-level advisory lock; another caller returns 0). A
 * pair marked by a transaction that commits after the take stays for the next step, so nothing
 * is counted late for ever nor twice. Returns how many pairs it recomputed.
 */
export async function rollupMetrics(): Promise<number> {
  let total = 0;
  const started = Date.now();
  for (;;) {
    const n = await db.$transaction(
      async (tx) => {
        const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`
          select pg_try_advisory_xact_lock(hashtext('tollgate'), hashtext('metrics-rollup')) as locked`;
        if (!locked) return -1;
        // the statement's estimated cost is high (one aggregate per bucket) but its work is
        // small: compiling it (JIT) would cost seconds for milliseconds of execution
        await tx.$executeRaw`set local jit = off`;
        // this step's pairs, kept in the database (a temporary table emptied at commit): they
        // never cross to JavaScript and back
        await tx.$executeRaw`
          create temporary table if not exists metric_keys (hour timestamp(3), "agentId" text)
          on commit delete rows`;
        // the pairs of the oldest marks, and every visible mark of those pairs (a request
        // leaves several: its insert and each change)
        const taken = await tx.$executeRaw`
          with picked as (
            select distinct hour, "agentId" from (
              select hour, "agentId" from "MetricDirty" order by id limit ${TAKE}) s),
          taken as (
            delete from "MetricDirty" d using picked p
            where d.hour = p.hour and d."agentId" = p."agentId"
            returning d.hour, d."agentId")
          insert into metric_keys select distinct hour, "agentId" from taken`;
        if (!taken) return 0;
        await tx.$executeRaw`analyze metric_keys`;
        await tx.$executeRaw`
          delete from "MetricHour" m using metric_keys k
          where m.hour = k.hour and m."agentId" = k."agentId"`;
        await tx.$executeRaw`${RECOMPUTE}`;
        // and the days of those hours, re-summed from their hours
        await tx.$executeRaw`
          delete from "MetricDay" m
          using (select distinct date_trunc('day', hour) as day, "agentId" from metric_keys) k
          where m.day = k.day and m."agentId" = k."agentId"`;
        await tx.$executeRaw`${RESUM_DAYS}`;
        return taken;
      },
      { timeout: 60_000, maxWait: 15_000 },
    );
    if (n <= 0) return total;
    total += n;
    if (Date.now() - started > RUN_BUDGET_MS) return total;
  }
}

const written = `status in (${WRITTEN_STATUSES.map((s) => `'${s}'`).join(", ")}) and "cycleMs" is not null`;

/**
 * The MetricHour rows of the pairs in metric_keys, counted from the requests: per pair an index
 * range of the agent's requests in the hour, and per request one index probe each for its
 * tries, a person's approval and a drift finding.
 */
const RECOMPUTE = Prisma.sql`
    insert into "MetricHour" (hour, "agentId", "environmentId", "workflowVersionId", "actionTypeId",
      "approverRole", proposed, open, observed, refused, writes, reverted, drifted, executed,
      failed, "deadLettered", conflicts, exceptions, "humanDecided", "slaMeasured", "withinSla",
      "decisionMsSum", "decisionHist", "cycleMsSum", "cycleHist")
    select hour, "agentId", "environmentId", wv, at, ar,
      count(*)::int,
      count(*) filter (where status in (${list(OPEN_STATUSES)}))::int,
      count(*) filter (where status = 'observed')::int,
      count(*) filter (where status in (${list(REFUSED_STATUSES)}))::int,
      count(*) filter (where status in (${list(WRITTEN_STATUSES)}))::int,
      count(*) filter (where status = 'reverted')::int,
      count(*) filter (where status = 'succeeded' and drift)::int,
      count(*) filter (where executed)::int,
      count(*) filter (where status = 'failed')::int,
      count(*) filter (where status = 'dead_lettered')::int,
      count(*) filter (where conflict)::int,
      count(*) filter (where executed and (status in ('failed', 'dead_lettered') or conflict))::int,
      count(*) filter (where human)::int,
      count(*) filter (where human and "slaDueAt" is not null)::int,
      count(*) filter (where human and "slaDueAt" is not null and "decidedAt" <= "slaDueAt")::int,
      coalesce(sum("decisionMs") filter (where human), 0)::bigint,
      ${histogram(`"decisionMs"`, "human")},
      coalesce(sum("cycleMs") filter (where ${Prisma.raw(written)}), 0)::bigint,
      ${histogram(`"cycleMs"`, written)}
    from (
      select k.hour, r."agentId", r."environmentId",
        coalesce(r."workflowVersionId", '') as wv, coalesce(r."actionTypeId", '') as at,
        coalesce(r."approverRole", '') as ar, r.status::text as status, r."slaDueAt", r."decidedAt",
        (r."decidedAt" is not null and ap.found is not null) as human,
        greatest(0, round(extract(epoch from (r."decidedAt" - r."createdAt")) * 1000))::bigint
          as "decisionMs",
        greatest(0, round(extract(epoch from (r."completedAt" - r."createdAt")) * 1000))::bigint
          as "cycleMs",
        (coalesce(ea.executed, false) or r.status = 'dead_lettered') as executed,
        coalesce(ea.conflict, false) as conflict,
        (f.found is not null) as drift
      from metric_keys k
      cross join lateral (
        select * from "ActionRequest" r
        where r."agentId" = k."agentId"
          and r."createdAt" >= k.hour and r."createdAt" < k.hour + interval '1 hour'
          and r."revertsId" is null
      ) r
      left join lateral (
        select true as executed, bool_or(a.outcome = 'conflict') as conflict
        from "ExecutionAttempt" a where a."actionRequestId" = r.id having count(*) > 0
      ) ea on true
      left join lateral (
        select 1 as found from "Approval" x where x."actionRequestId" = r.id limit 1
      ) ap on true
      left join lateral (
        select 1 as found from "ReconciliationFinding" x
        where x."actionRequestId" = r.id and x.kind = 'drift' limit 1
      ) f on true
    ) base
    group by 1, 2, 3, 4, 5, 6`;

/** `array[sum(col[1]), …]` — a histogram column summed element by element. */
export const sumHistogram = (col: string, cast = "int") =>
  `array[${Array.from({ length: EDGES_MS.length + 1 }, (_, i) => `coalesce(sum("${col}"[${i + 1}]), 0)::${cast}`).join(", ")}]`;

/** The MetricDay rows of the days metric_keys touched, summed from all their hours. */
const RESUM_DAYS = Prisma.sql`
    insert into "MetricDay" (day, "agentId", "environmentId", "workflowVersionId", "actionTypeId",
      "approverRole", ${Prisma.raw(COUNTERS.map((c) => `"${c}"`).join(", "))},
      "decisionHist", "cycleHist")
    select k.day, h."agentId", h."environmentId", h."workflowVersionId", h."actionTypeId",
      h."approverRole",
      ${Prisma.raw(COUNTERS.map((c) => `sum(h."${c}")`).join(", "))},
      ${Prisma.raw(sumHistogram("decisionHist"))}, ${Prisma.raw(sumHistogram("cycleHist"))}
    from (select distinct date_trunc('day', hour) as day, "agentId" from metric_keys) k
    join "MetricHour" h on h."agentId" = k."agentId"
      and h.hour >= k.day and h.hour < k.day + interval '1 day'
    group by 1, 2, 3, 4, 5, 6`;
