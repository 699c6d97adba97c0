/**
 * Anomaly evaluation cost per minute of traffic (issue 14). Fills `--requests` (1,000,000) agent
 * requests of history over the 14 days before the last hour across the demo org's agents and
 * action types (one in ten denied, one in ten expired: not writes), rolls them up (the baseline
 * the job reads), then adds the last hour's traffic at `--per-minute` requests a minute (the
 * evaluation reads the last hour: its windows and the trailing hour) and times one
 * `detectAnomalies` run, `--runs` times — beside the floor timed in the same run on the same
 * database: one bare statement counting the same rows (the last hour's, per agent and action
 * type, by the same index), and the 10-minute window's rows alone. Cost per minute of traffic:
 * the job runs every 30 s, so two evaluations a minute, per 1,000 requests a minute.
 *   npm run bench:anomaly [-- --requests 1000000 --per-minute 1000 --runs 20 --keep]
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database
 * (`--keep` leaves it, to explain its statements by hand).
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import pg from "pg";
import { setEnv } from "@/lib/env";
import { benchDatabase, runBench } from "./lib/bench-database";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000000" },
    "per-minute": { type: "string", default: "1000" },
    runs: { type: "string", default: "20" },
    keep: { type: "boolean", default: false },
  },
});
const N = Number(values.requests);
const PER_MINUTE = Number(values["per-minute"]);
const RUNS = Math.max(1, Number(values.runs));
const WINDOW_MIN = 10;
const RECENT_MIN = 60;

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const stats = (s: number[]) => {
  const x = [...s].sort((a, b) => a - b);
  return { p50: pct(x, 0.5), p95: pct(x, 0.95) };
};
const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();

/**
 * `n` requests spread evenly over [now − offset − span, now − offset), seconds, with the
 * triggers off (session_replication_role): the rollup's marks are then added per (hour, agent)
 * instead of once per row — the same pairs, far fewer marks to take.
 */
async function insert(client: pg.Client, prefix: string, n: number, span: number, offset: number) {
  await client.query(`set session_replication_role = replica`);
  await client.query(
    `with a as (select array_agg(id order by id) ids, array_agg("environmentId" order by id) envs
                from "Agent"),
          t as (select array_agg(id order by key) ids from "ActionType")
     insert into "ActionRequest" (id, "agentId", "environmentId", "actionTypeId", "idempotencyKey",
       "bodyHash", object, status, "createdAt", "updatedAt")
     select $2 || i, a.ids[1 + i % cardinality(a.ids)], a.envs[1 + i % cardinality(a.ids)],
       t.ids[1 + i % cardinality(t.ids)], $2 || i, 'x', 'Opportunity',
       (case i % 10 when 0 then 'denied' when 1 then 'expired' else 'succeeded' end)::"ActionRequestStatus",
       (now() at time zone 'UTC') - ($4::float8 + (i::float8 / $1::int) * $3::float8) * interval '1 second',
       now()
     from generate_series(1, $1::int) i, a, t`,
    [n, prefix, span, offset],
  );
  await client.query(`set session_replication_role = origin`);
  // each pair marked ten times in a row: a rollup step (2,000 marks) then takes 200 pairs, about
  // 100,000 requests — one step for all of them outlives the step's transaction timeout
  await client.query(
    `insert into "MetricDirty" (hour, "agentId")
     select hour, "agentId" from (
       select distinct date_trunc('hour', "createdAt") as hour, "agentId" from "ActionRequest"
       where id like $1 || '%') p, generate_series(1, 10)
     order by hour, "agentId"`,
    [prefix],
  );
}

const floor = (minutes: number) => `
  select "agentId", "actionTypeId", count(*) from "ActionRequest"
  where "createdAt" > (now() at time zone 'UTC') - interval '${minutes} minutes'
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
    await insert(client, "ar_h_", N, 14 * 86_400, RECENT_MIN * 60);
    const recentRows = PER_MINUTE * RECENT_MIN;
    await insert(client, "ar_w_", recentRows, RECENT_MIN * 60, 0);
    for (; (await rollupMetrics()) > 0;);
    await client.query(`vacuum analyze`);
    console.log(
      `filled ${N.toLocaleString()} requests of history (14 days) and ${recentRows.toLocaleString()} in the last ${RECENT_MIN} min (${PER_MINUTE.toLocaleString()} a minute), rolled up, in ${(since(t) / 1000).toFixed(1)} s`,
    );

    console.log(`${RUNS} runs each after 3 warm-up; uptime: ${uptime()}`);
    const evalMs: number[] = [];
    const cpuMs: number[] = [];
    let pairs = 0;
    let open = 0;
    for (let i = 0; i < RUNS + 3; i++) {
      t = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const r = await detectAnomalies();
      const used = process.cpuUsage(cpu);
      if (i >= 3) {
        evalMs.push(since(t));
        cpuMs.push((used.user + used.system) / 1000);
      }
      pairs = r.evaluated;
      open += r.opened.length;
    }
    const floors = [RECENT_MIN, WINDOW_MIN].map((minutes) => {
      const ms: number[] = [];
      return { minutes, ms };
    });
    for (const f of floors) {
      for (let i = 0; i < RUNS + 3; i++) {
        t = process.hrtime.bigint();
        await client.query(floor(f.minutes));
        if (i >= 3) f.ms.push(since(t));
      }
    }
    const e = stats(evalMs);
    const [hour, window] = floors.map((f) => stats(f.ms));
    console.log(
      `detectAnomalies (${pairs} agent × action type pairs, ${open} episodes opened in the first run and kept open by the spike, ${recentRows.toLocaleString()} rows in the last hour): p50 ${e.p50.toFixed(1)} ms, p95 ${e.p95.toFixed(1)} ms (of it this process's CPU p50 ${stats(cpuMs).p50.toFixed(1)} ms)`,
    );
    console.log(
      `floor, one bare statement counting the same rows (the last ${RECENT_MIN} min) per pair: p50 ${hour.p50.toFixed(1)} ms, p95 ${hour.p95.toFixed(1)} ms; the ${WINDOW_MIN}-minute window's rows alone: p50 ${window.p50.toFixed(1)} ms, p95 ${window.p95.toFixed(1)} ms`,
    );
    const perMinute = (e.p50 * 2) / (PER_MINUTE / 1000);
    console.log(
      `ratio ${(e.p50 / hour.p50).toFixed(1)}× the floor over the same rows (${(e.p50 / window.p50).toFixed(1)}× the window's); cost per minute of traffic: the job runs every 30 s, so ${(e.p50 * 2).toFixed(0)} ms of evaluation a minute at ${PER_MINUTE.toLocaleString()} requests a minute = ${perMinute.toFixed(0)} ms per minute per 1,000 requests a minute`,
    );
    console.log(`uptime: ${uptime()}`);
  } finally {
    await client.end();
    await disconnectDb();
    if (values.keep) console.log(`kept ${database.url}`);
    else await database.drop();
  }
}

runBench(main);
