/**
 * The matrix editor's simulation (issue 13 target: ≤ 5 s over 100,000 recorded requests):
 * `simulateDraft` replaying `--requests` stage changes of the last 30 days (each with its field
 * change, the record's values, reason and evidence) through the active rule and a draft that
 * asks for 2 approvals — every one of them changes outcome, so every row is read and evaluated
 * twice. Beside it, the floor: one plain SQL statement reading the same rows with their field
 * changes (pg, no ORM, no evaluation), on the same database in the same run.
 *   npm run bench:simulation [-- --requests 100000 --runs 3]
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { setEnv } from "@/lib/env";
import { benchDatabase, loadAverage, runBench } from "./lib/bench-database";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
  },
});
const REQUESTS = Number(values.requests);
const RUNS = Math.max(1, Number(values.runs));
const TARGET_MS = 5_000;

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function fill(client: pg.Client) {
  const { rows } = await client.query<{ agent: string; env: string; at: string }>(
    `select a.id as agent, a."environmentId" as env,
       (select id from "ActionType" where key = 'opportunity.change_stage') as at
     from "Agent" a where a.slug = 'pipeline-hygiene-bot' and a.phase = 'execute' limit 1`,
  );
  const { agent, env, at } = rows[0];
  // spread over the last 29 days; one in four moves into a late stage (the deal desk's condition)
  await client.query(
    `insert into "ActionRequest" (id, "agentId", "environmentId", "actionTypeId", "idempotencyKey",
       "bodyHash", object, "recordId", status, "decisionOutcome", "decisionMode", "decisionRule",
       "approverRole", "requiredApprovals", "reasonCode", evidence, before, "recordSummary",
       "createdAt", "updatedAt")
     select 'ar_sim_' || i, $1, $2, $3, 'sim-' || i, 'x', 'Opportunity',
       '0068d' || lpad(to_hex(i), 13, '0'), 'pending_approval', 'pending_approval',
       'human_in_the_loop', 'opportunity.change_stage/default', 'sales_ops', 1, 'MEETING_HELD',
       '[{"type":"call","ref":"gong:1"}]'::jsonb,
       jsonb_build_object('StageName', 'Prospecting'),
       jsonb_build_object('name', 'Deal ' || i, 'amount', (i % 500) * 1000, 'stage', 'Prospecting'),
       now() - (i % 41760) * interval '1 minute', now()
     from generate_series(1, $4::int) i`,
    [agent, env, at, REQUESTS],
  );
  await client.query(
    `insert into "FieldChange" (id, "actionRequestId", field, "oldValue", "newValue")
     select 'fc_sim_' || i, 'ar_sim_' || i, 'StageName', '"Prospecting"'::jsonb,
       case when i % 4 = 0 then '"Negotiation/Review"'::jsonb else '"Qualification"'::jsonb end
     from generate_series(1, $1::int) i`,
    [REQUESTS],
  );
  await client.query(`vacuum analyze`);
}

async function main() {
  setEnv({ TOLLGATE_SECRET_KEY: "bench-secret-key" });
  const database = await benchDatabase("bench_simulation");
  const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
  const { createDraft, getMatrixVersion, simulateDraft, updateDraftRule } =
    await import("@/lib/matrix");
  const { db, disconnectDb } = await import("@/lib/db");
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await seedDemoOrg();
    let t = process.hrtime.bigint();
    await fill(client);
    console.log(
      `filled ${REQUESTS.toLocaleString()} recorded stage changes (1 field change each) in ${(since(t) / 1000).toFixed(1)} s`,
    );
    const ops = await db.user.findUniqueOrThrow({ where: { email: "ops@tollgate.demo" } });
    const draft = await createDraft(ops.id, { note: "bench" });
    const rule = (await getMatrixVersion(draft.id)).rules.find(
      (r) => r.actionType === "opportunity.change_stage",
    )!;
    const { actionType: _a, actionName: _n, fields: _f, ...settings } = rule;
    await updateDraftRule(ops.id, draft.id, "opportunity.change_stage", {
      ...settings,
      requiredApprovals: 2,
    });
    const floorSql = `select ar.id, ar."createdAt", ar."agentId", ar."actionTypeId", ar.object,
        ar."recordId", ar."reasonCode", ar.evidence, ar.before, ar."recordSummary" as summary,
        coalesce((select jsonb_object_agg(fc.field, fc."newValue") from "FieldChange" fc
                  where fc."actionRequestId" = ar.id), '{}'::jsonb) as changes
      from "ActionRequest" ar
      where ar."createdAt" >= now() at time zone 'UTC' - interval '30 days'
        and ar."actionTypeId" = (select id from "ActionType" where key = 'opportunity.change_stage')
      order by ar."createdAt", ar.id`;

    const ours: number[] = [];
    const floor: number[] = [];
    let replayed = 0;
    let changed = 0;
    let floorRows = 0;
    // one warm-up of each, then RUNS
    for (let i = 0; i <= RUNS; i++) {
      t = process.hrtime.bigint();
      const sim = await simulateDraft(draft.id);
      const ms = since(t);
      t = process.hrtime.bigint();
      floorRows = (await client.query(floorSql)).rowCount ?? 0;
      const floorMs = since(t);
      replayed = sim.replayed;
      changed = sim.changed;
      if (i > 0) {
        ours.push(ms);
        floor.push(floorMs);
      }
    }
    if (replayed < REQUESTS || changed < REQUESTS)
      throw new Error(`expected ≥ ${REQUESTS} replayed and changed, got ${replayed} / ${changed}`);
    console.log(`${RUNS} runs after 1 warm-up, load average ${loadAverage()}`);
    const ourMs = median(ours);
    const floorMs = median(floor);
    console.log(
      `simulateDraft: ${replayed.toLocaleString()} requests replayed (${changed.toLocaleString()} change), median ${ourMs.toFixed(0)} ms` +
        ` (${Math.round(replayed / (ourMs / 1000)).toLocaleString()} requests/s) — target ≤ ${TARGET_MS} ms: ${ourMs <= TARGET_MS ? "met" : "MISSED"}`,
    );
    console.log(
      `floor: one SELECT of the same ${floorRows.toLocaleString()} rows with their field changes (pg), median ${floorMs.toFixed(0)} ms`,
    );
    console.log(`ratio ours / floor: ${(ourMs / floorMs).toFixed(1)}×`);
  } finally {
    await client.end();
    await disconnectDb();
    await database.drop();
  }
}

runBench(main);
