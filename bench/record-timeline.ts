/**
 * A record's timeline (issue 12 target: ≤ 200 ms server time for a record with 10,000 events):
 * `getRecordTimeline` — the newest page of Tollgate requests on the record with their field
 * changes and approvals, merged with 2,000 Salesforce field-history rows — on a record with
 * 10,000 requests (each 2 field changes, 1 approval) among `--others` requests on other records.
 * The Salesforce read is a stub answering at once (its network time is Salesforce's, not
 * ours). Beside it, the floor: one hand-written SQL statement reading the same page with its
 * field changes (pg, no ORM), on the same database in the same run.
 *   npm run bench:timeline [-- --events 10000 --others 200000 --runs 50]
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { setEnv } from "@/lib/env";
import { benchDatabase, loadAverage } from "./lib/bench-database";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "10000" },
    others: { type: "string", default: "200000" },
    runs: { type: "string", default: "50" },
  },
});
const EVENTS = Number(values.events);
const OTHERS = Number(values.others);
const RUNS = Math.max(1, Number(values.runs));
const HISTORY = 2_000;
const TARGET_MS = 200;
const RECORD = "0068d00000BENCHAAA";

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function fill(client: pg.Client) {
  const { rows } = await client.query<{ agent: string; env: string; at: string; user: string }>(
    `select a.id as agent, a."environmentId" as env,
       (select id from "ActionType" where key = 'opportunity.change_stage') as at,
       (select id from "User" order by email limit 1) as user
     from "Agent" a where a.slug = 'pipeline-hygiene-bot' limit 1`,
  );
  const { agent, env, at, user } = rows[0];
  // the record's requests (one an hour back from now) and everyone else's
  await client.query(
    `insert into "ActionRequest" (id, "agentId", "environmentId", "actionTypeId", "idempotencyKey",
       "bodyHash", object, "recordId", status, "decisionMode", "decisionRule", "approverRole",
       "reasonText", "createdAt", "updatedAt", "completedAt")
     select 'ar_tl_' || i, $1, $2, $3, 'tl-' || i, 'x', 'Opportunity',
       case when i <= $4::int then $5 else '0068d' || lpad(to_hex(i), 13, '0') end,
       'succeeded', 'human_in_the_loop', 'opportunity.change_stage/default', 'deal_desk',
       'Bench write ' || i, now() - i * interval '1 minute', now(), now() - i * interval '1 minute'
     from generate_series(1, $4::int + $6::int) i`,
    [agent, env, at, EVENTS, RECORD, OTHERS],
  );
  await client.query(
    `insert into "FieldChange" (id, "actionRequestId", field, "oldValue", "newValue", "appliedValue")
     select 'fc_tl_' || i || '_' || f, 'ar_tl_' || i, f, to_jsonb('old ' || i), to_jsonb('new ' || i),
       to_jsonb('new ' || i)
     from generate_series(1, $1::int + $2::int) i cross join unnest(array['StageName', 'NextStep']) f`,
    [EVENTS, OTHERS],
  );
  await client.query(
    `insert into "Approval" (id, "actionRequestId", "approverId", decision, "groupKey", "createdAt")
     select 'ap_tl_' || i, 'ar_tl_' || i, $2, 'approved', 'deal_desk', now()
     from generate_series(1, $1::int) i`,
    [EVENTS, user],
  );
  await client.query(`vacuum analyze`);
}

/** The stub Salesforce: `HISTORY` field-history rows for the record, and its users' names. */
function stubConnector() {
  const now = Date.now();
  const history = Array.from({ length: HISTORY }, (_, i) => ({
    Id: `017${String(i).padStart(15, "0")}`,
    Field: i % 2 ? "StageName" : "NextStep",
    OldValue: `old ${i + 1}`,
    NewValue: `new ${i + 1}`,
    CreatedDate: new Date(now - (i + 1) * 60_000).toISOString(),
    CreatedById: "0058d000000000AAAA",
  }));
  return {
    query: async (soql: string) =>
      soql.includes("FROM User")
        ? { totalSize: 1, records: [{ Id: "0058d000000000AAAA", Name: "Tollgate Integration" }] }
        : { totalSize: history.length, records: history },
  };
}

async function main() {
  setEnv({ TOLLGATE_SECRET_KEY: "bench-secret-key" });
  const database = await benchDatabase("bench_timeline");
  const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
  const { getRecordTimeline } = await import("@/lib/requests/record-timeline");
  const { disconnectDb } = await import("@/lib/db");
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await seedDemoOrg();
    let t = process.hrtime.bigint();
    await fill(client);
    console.log(
      `filled ${EVENTS.toLocaleString()} requests on ${RECORD} + ${OTHERS.toLocaleString()} on other records (2 field changes each) in ${(since(t) / 1000).toFixed(1)} s`,
    );
    const connector = stubConnector() as never;
    const floorSql = `select r.id, r."createdAt", r.status, r."reasonText",
        (select jsonb_agg(jsonb_build_object('field', f.field, 'old', f."oldValue", 'new', f."appliedValue"))
         from "FieldChange" f where f."actionRequestId" = r.id) as fields
      from "ActionRequest" r where left(r."recordId", 15) = $1
      order by r."createdAt" desc, r.id desc limit 101`;
    const ours: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < RUNS + 5; i++) {
      t = process.hrtime.bigint();
      const timeline = await getRecordTimeline(RECORD, { env: "prod" }, { connector });
      const ms = since(t);
      t = process.hrtime.bigint();
      await client.query(floorSql, [RECORD.slice(0, 15)]);
      const floorMs = since(t);
      if (i === 0 && timeline.requests.length !== 100)
        throw new Error(`expected a page of 100 requests, got ${timeline.requests.length}`);
      if (i >= 5) {
        ours.push(ms);
        floor.push(floorMs);
      }
    }
    ours.sort((a, b) => a - b);
    floor.sort((a, b) => a - b);
    const line = (name: string, s: number[]) =>
      `${name}: p50 ${pct(s, 0.5).toFixed(1)} ms, p95 ${pct(s, 0.95).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
    console.log(`${RUNS} runs after 5 warm-up, load average ${loadAverage()}`);
    console.log(
      line("getRecordTimeline (page of 100 + 2,000 history rows merged)", ours) +
        ` — target ≤ ${TARGET_MS} ms: ${pct(ours, 0.95) <= TARGET_MS ? "met" : "MISSED"}`,
    );
    console.log(line("floor: one SQL statement for the same page with its field changes", floor));
    console.log(`ratio p50 ours / floor: ${(pct(ours, 0.5) / pct(floor, 0.5)).toFixed(1)}×`);
  } finally {
    await client.end();
    await disconnectDb();
    await database.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
