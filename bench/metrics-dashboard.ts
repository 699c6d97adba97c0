/**
 * The metrics dashboard over 1,000,000 requests (issue 14 target: ≤ 500 ms server time for the
 * whole page). Fills `--requests` agent requests over the last 180 days (statuses, approvals,
 * execution tries, drift findings, across the demo org's agents and action types) through the
 * real triggers, then:
 * - the rollup from nothing (every (hour, agent) pair dirty), and again for 1,000 requests
 *   changed afterwards (what the job does in steady state);
 * - `getMetrics` for 90 days (every agent) and for 30 days of one agent, `--runs` times;
 * - beside them, in the same run on the same database: the floor — one SQL statement summing
 *   the same MetricDay rows (the least the page must read) — and the scan the rollups replace
 *   (the same figures counted straight from the requests).
 *   npm run bench:metrics [-- --requests 1000000 --runs 20]
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { setEnv } from "@/lib/env";
import { benchDatabase, loadAverage, runBench } from "./lib/bench-database";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000000" },
    runs: { type: "string", default: "20" },
  },
});
const N = Number(values.requests);
const RUNS = Math.max(1, Number(values.runs));
const TARGET_MS = 500;

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const line = (name: string, s: number[]) => {
  const x = [...s].sort((a, b) => a - b);
  return `${name}: p50 ${pct(x, 0.5).toFixed(1)} ms, p95 ${pct(x, 0.95).toFixed(1)} ms`;
};

async function fill(client: pg.Client) {
  // statuses weighted like the demo's month; every tenth decided by a person, with an SLA
  await client.query(
    `insert into "ActionRequest" (id, "agentId", "environmentId", "actionTypeId", "idempotencyKey",
       "bodyHash", object, status, "approverRole", "createdAt", "updatedAt", "decidedAt",
       "slaDueAt", "completedAt")
     select 'ar_m_' || i, a.id, a."environmentId", t.id, 'm-' || i, 'x', 'Opportunity',
       (array['succeeded','succeeded','succeeded','succeeded','succeeded','reverted','failed',
              'dead_lettered','denied','pending_approval','observed','expired'])[1 + i % 12]::"ActionRequestStatus",
       case when i % 3 = 0 then 'deal_desk' end,
       c, now(), case when i % 3 = 0 then c + (i % 240) * interval '1 minute' end,
       case when i % 3 = 0 then c + interval '2 hours' end,
       case when i % 12 < 6 then c + (i % 600) * interval '1 minute' end
     from generate_series(1, $1::int) i
     cross join lateral (select now() - (i::float8 / $1::int) * interval '180 days' as c) x
     join lateral (select id, "environmentId" from "Agent" order by id offset (i % 6) limit 1) a on true
     join lateral (select id from "ActionType" order by key offset (i % 8) limit 1) t on true`,
    [N],
  );
  const { rows } = await client.query<{ id: string }>(`select id from "User" limit 1`);
  await client.query(
    `insert into "Approval" (id, "actionRequestId", "approverId", decision, "groupKey", "createdAt")
     select 'ap_' || r.id, r.id, $1, 'approved', 'deal_desk', r."decidedAt"
     from "ActionRequest" r where r.id like 'ar_m_%' and r."decidedAt" is not null`,
    [rows[0].id],
  );
  await client.query(
    `insert into "ExecutionAttempt" (id, "actionRequestId", "attemptNumber", outcome)
     select 'ea_' || r.id, r.id, 1,
       case when r.status in ('failed', 'dead_lettered') then 'failed'
            when r.id like '%7' then 'conflict' else 'succeeded' end
     from "ActionRequest" r
     where r.id like 'ar_m_%' and r.status in ('succeeded', 'reverted', 'failed', 'dead_lettered')`,
  );
  const env = await client.query<{ id: string }>(`select id from "Environment" limit 1`);
  const run = await client.query<{ id: string }>(
    `insert into "ReconciliationRun" (id, "environmentId", "windowStart", "windowEnd", trigger, status)
     values ('rr_bench', $1, now() - interval '180 days', now(), 'schedule', 'done') returning id`,
    [env.rows[0].id],
  );
  await client.query(
    `insert into "ReconciliationFinding" (id, "runId", "actionRequestId", object, "recordId", field, kind)
     select 'rf_' || r.id, $1, r.id, 'Opportunity', '006000000000001', 'StageName', 'drift'
     from "ActionRequest" r where r.id like 'ar_m_%1' and r.status = 'succeeded'`,
    [run.rows[0].id],
  );
  await client.query(`vacuum analyze`);
}

/** The same figures counted straight from the requests: what the rollups spare each page view. */
const SCAN = `
  select count(*) as proposed,
    count(*) filter (where status in ('succeeded', 'reverted')) as writes,
    count(*) filter (where status = 'reverted') as reverted,
    count(*) filter (where status = 'succeeded' and exists (select 1 from "ReconciliationFinding" f
      where f."actionRequestId" = r.id and f.kind = 'drift')) as drifted,
    count(*) filter (where exists (select 1 from "ExecutionAttempt" a where a."actionRequestId" = r.id)) as executed,
    count(*) filter (where r."decidedAt" is not null and exists (select 1 from "Approval" ap
      where ap."actionRequestId" = r.id)) as decided
  from "ActionRequest" r
  where r."revertsId" is null and r."createdAt" >= now() - interval '180 days'
  group by date_trunc('day', r."createdAt"), r."agentId", r."actionTypeId"`;

/**
 * The least the 90-day page must read: the MetricDay rows of the period and the one before
 * (180 days), summed once — no breakdown, no histograms.
 */
const FLOOR = `
  select day >= now() - interval '90 days' as current, sum(proposed), sum(writes), sum(reverted),
    sum(drifted), sum(executed), sum(exceptions), sum("humanDecided"), sum("withinSla"),
    sum("decisionMsSum"), sum("cycleMsSum")
  from "MetricDay" where day >= now() - interval '180 days'
  group by 1`;

async function main() {
  setEnv({ TOLLGATE_SECRET_KEY: "bench-secret-key" });
  const database = await benchDatabase("bench_metrics");
  const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
  const { getMetrics, rollupMetrics } = await import("@/lib/metrics");
  const { db, disconnectDb } = await import("@/lib/db");
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await seedDemoOrg({ history: false });
    let t = process.hrtime.bigint();
    await fill(client);
    const fillMs = since(t);
    const { rows: counted } = await client.query<{ n: string; dirty: string }>(
      `select (select count(*) from "ActionRequest") as n, (select count(*) from "MetricDirty") as dirty`,
    );
    console.log(
      `filled ${Number(counted[0].n).toLocaleString()} requests (180 days) in ${(fillMs / 1000).toFixed(1)} s through the triggers; ${Number(counted[0].dirty).toLocaleString()} dirty marks`,
    );

    t = process.hrtime.bigint();
    let pairs = 0;
    for (let n; (n = await rollupMetrics()) > 0;) pairs += n;
    const fullMs = since(t);
    const hours = await db.metricHour.count();
    console.log(
      `rollup from nothing: ${pairs.toLocaleString()} (hour, agent) pairs → ${hours.toLocaleString()} MetricHour rows in ${(fullMs / 1000).toFixed(1)} s (${Math.round(Number(counted[0].n) / (fullMs / 1000)).toLocaleString()} requests/s)`,
    );

    // steady state: 1,000 requests change (a decision, a revert) and the job's next step
    await client.query(
      `update "ActionRequest" set status = 'reverted'
       where id in (select id from "ActionRequest" where status = 'succeeded' and id like 'ar_m_%' limit 1000)`,
    );
    t = process.hrtime.bigint();
    let again = 0;
    for (let n; (n = await rollupMetrics()) > 0;) again += n;
    console.log(`rollup after 1,000 requests changed: ${again} pairs in ${since(t).toFixed(0)} ms`);

    const agent = (await db.agent.findFirstOrThrow({ orderBy: { id: "asc" } })).id;
    const views: [string, Record<string, string>][] = [
      ["getMetrics, 90 days, every agent", { days: "90" }],
      ["getMetrics, 30 days, one agent", { days: "30", agent }],
    ];
    console.log(`${RUNS} runs each after 3 warm-up, load average ${loadAverage()}`);
    let worst = 0;
    for (const [name, q] of views) {
      const ms: number[] = [];
      for (let i = 0; i < RUNS + 3; i++) {
        t = process.hrtime.bigint();
        const m = await getMetrics(q);
        if (i >= 3) ms.push(since(t));
        if (i === 0 && m.current.proposed === 0) throw new Error(`${name}: no requests counted`);
      }
      worst = Math.max(
        worst,
        pct(
          [...ms].sort((a, b) => a - b),
          0.95,
        ),
      );
      console.log(line(name, ms));
    }
    const floor: number[] = [];
    for (let i = 0; i < RUNS + 3; i++) {
      t = process.hrtime.bigint();
      await client.query(FLOOR);
      if (i >= 3) floor.push(since(t));
    }
    console.log(
      line("floor: one SQL statement summing the 180 days of MetricDay rows it reads (pg)", floor),
    );
    const [{ days }] = (
      await client.query<{ days: string }>(`select count(*) as days from "MetricDay"`)
    ).rows;
    console.log(`(${Number(days).toLocaleString()} MetricDay rows in all)`);
    const scan: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = process.hrtime.bigint();
      await client.query(SCAN);
      scan.push(since(t));
    }
    console.log(line("without rollups: the same figures counted from the requests (pg)", scan));
    console.log(
      `target: the whole page ≤ ${TARGET_MS} ms server time over ${N.toLocaleString()} requests: p95 ${worst.toFixed(0)} ms — ${worst <= TARGET_MS ? "PASS" : "FAIL"}`,
    );
  } finally {
    await client.end();
    await disconnectDb();
    await database.drop();
  }
}

runBench(main);
