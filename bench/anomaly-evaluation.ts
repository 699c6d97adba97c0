/**
 * Anomaly evaluation cost per minute of traffic (issue 14). Fills `--requests` (1,000,000) agent
 * requests of history over the last 14 days across the demo org's agents and action types, rolls
 * them up (the baseline the job reads), then adds traffic at `--rate` requests/s for the last
 * 10 minutes (the default rule's window) and times one `detectAnomalies` run, `--runs` times —
 * beside the floor timed in the same run on the same database: one bare SQL statement reading
 * the same window rows by the same index (count per agent and action type), with nothing else.
 *   npm run bench:anomaly [-- --requests 1000000 --rate 50 --runs 20]
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { setEnv } from "@/lib/env";
import { benchDatabase, loadAverage, runBench } from "./lib/bench-database";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000000" },
    rate: { type: "string", default: "50" },
    runs: { type: "string", default: "20" },
  },
});
const N = Number(values.requests);
const RATE = Number(values.rate);
const RUNS = Math.max(1, Number(values.runs));
const WINDOW_MIN = 10;

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const stats = (s: number[]) => {
  const x = [...s].sort((a, b) => a - b);
  return { p50: pct(x, 0.5), p95: pct(x, 0.95) };
};

/** `n` requests spread over [now − spanSeconds − offsetSeconds, now − offsetSeconds) */
async function insert(client: pg.Client, prefix: string, n: number, spanSeconds: number) {
  await client.query(
    `insert into "ActionRequest" (id, "agentId", "environmentId", "actionTypeId", "idempotencyKey",
       "bodyHash", object, status, "createdAt", "updatedAt")
     select $2 || i, a.id, a."environmentId", t.id, $2 || i, 'x', 'Opportunity', 'succeeded',
       (now() at time zone 'UTC') - (i::float8 / $1::int) * $3::float8 * interval '1 second', now()
     from generate_series(1, $1::int) i
     join lateral (select id, "environmentId" from "Agent" order by id offset (i % 6) limit 1) a on true
     join lateral (select id from "ActionType" order by key offset (i % 8) limit 1) t on true`,
    [n, prefix, spanSeconds],
  );
}

const FLOOR = `
  select "agentId", "actionTypeId", count(*) from "ActionRequest"
  where "createdAt" > (now() at time zone 'UTC') - interval '${WINDOW_MIN} minutes'
  group by 1, 2`;

async function main() {
  setEnv({ TOLLGATE_SECRET_KEY: "bench-secret-key" });
  const database = await benchDatabase("bench_anomaly");
  const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
  const { rollupMetrics } = await import("@/lib/metrics");
  const { detectAnomalies } = await import("@/lib/anomalies");
  const { disconnectDb } = await import("@/lib/db");
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await seedDemoOrg({ history: false });
    let t = process.hrtime.bigint();
    // history: 14 days ending 10 minutes ago, then the window's traffic at RATE requests/s
    await insert(client, "ar_h_", N, 14 * 86_400);
    await client.query(
      `update "ActionRequest" set "createdAt" = "createdAt" - interval '${WINDOW_MIN} minutes'
       where id like 'ar_h_%'`,
    );
    const windowRows = RATE * 60 * WINDOW_MIN;
    await insert(client, "ar_w_", windowRows, 60 * WINDOW_MIN);
    for (; (await rollupMetrics()) > 0;);
    await client.query(`vacuum analyze`);
    console.log(
      `filled ${N.toLocaleString()} requests of history (14 days) and ${windowRows.toLocaleString()} in the last ${WINDOW_MIN} min (${RATE} req/s), rolled up, in ${(since(t) / 1000).toFixed(1)} s`,
    );

    console.log(`${RUNS} runs each after 3 warm-up, load average ${loadAverage()}`);
    const evalMs: number[] = [];
    let pairs = 0;
    for (let i = 0; i < RUNS + 3; i++) {
      t = process.hrtime.bigint();
      const r = await detectAnomalies();
      if (i >= 3) evalMs.push(since(t));
      pairs = r.evaluated;
    }
    const floorMs: number[] = [];
    for (let i = 0; i < RUNS + 3; i++) {
      t = process.hrtime.bigint();
      await client.query(FLOOR);
      if (i >= 3) floorMs.push(since(t));
    }
    const e = stats(evalMs);
    const f = stats(floorMs);
    console.log(
      `detectAnomalies (${pairs} agent × action type pairs, ${windowRows.toLocaleString()} window rows): p50 ${e.p50.toFixed(1)} ms, p95 ${e.p95.toFixed(1)} ms`,
    );
    console.log(
      `floor, one bare statement counting the same window rows per pair (pg): p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms`,
    );
    console.log(
      `ratio ${(e.p50 / f.p50).toFixed(1)}× the floor; per minute of traffic at ${RATE} req/s: ${(e.p50 / WINDOW_MIN).toFixed(2)} ms of one evaluation; the job runs every 30 s: ${((e.p50 * 2) / 1000).toFixed(3)} s of work per minute`,
    );
  } finally {
    await client.end();
    await disconnectDb();
    await database.drop();
  }
}

runBench(main);
