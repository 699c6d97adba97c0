/**
 * The approval inbox's first page (50 rows and the total) with 100,000 requests waiting:
 * `listInbox` as one-group, three-group and admin users see it, and with an agent +
 * environment filter; then EXPLAIN (ANALYZE, BUFFERS) of the queries behind the three-group
 * approver's page, to show which index the list and the count use.
 *   npm run bench:inbox [-- --rows 100000 --runs 100 --vacuum --keep]
 * --vacuum: VACUUM ANALYZE instead of ANALYZE (the visibility map autovacuum would have set,
 * which index-only scans need); --keep: leave the database for EXPLAIN by hand.
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { CURRENT_USER_SELECT, toCurrentUser, type TCurrentUser } from "@/lib/auth/current-user";
import { demoRecordIds } from "@/lib/connectors/salesforce-sandbox";
import { riskScore } from "@/lib/policy/risk";
import { AGENTS, DEFAULT_MATRIX, WORKFLOWS } from "@/lib/seed/demo-fixtures";
import { benchDatabase, loadAverage } from "./lib/bench-database";
import { env, setEnv } from "@/lib/env";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    runs: { type: "string", default: "100" },
    vacuum: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const ROWS = Number(values.rows);
const RUNS = Math.max(1, Number(values.runs));
// an embedded server stops with the bench, so only a database on DATABASE_URL's server is kept
const KEEP = values.keep && Boolean(env().DATABASE_URL);
const WARM_UP = 10;
const TARGET_MS = 150;

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

/**
 * Every (agent, environment, workflow version, action type, rule variant) the demo org can
 * leave waiting for a person, with the risk score ingest would give it: agents in `observe`
 * never wait, auto rules never wait, a condition (late stage, large deal) is its own variant.
 */
async function waitingShapes(client: pg.Client) {
  const { rows: agents } = await client.query<{
    id: string;
    slug: string;
    env: string;
    phase: string;
    environmentId: string;
  }>(
    `select a.id, a.slug, e.slug as env, a.phase::text as phase, a."environmentId"
     from "Agent" a join "Environment" e on e.id = a."environmentId"`,
  );
  const { rows: versions } = await client.query<{ id: string; key: string }>(
    `select v.id, w.key from "WorkflowVersion" v join "Workflow" w on w.id = v."workflowId"
     where v.status = 'published'`,
  );
  const { rows: types } = await client.query<{
    id: string;
    key: string;
    object: string;
    operation: string;
  }>(`select id, key, object, operation from "ActionType"`);
  const shapes = [];
  for (const a of agents) {
    if (a.phase === "observe") continue;
    const workflow = WORKFLOWS.find(
      (w) => w.key === AGENTS.find((x) => x.slug === a.slug)!.workflow,
    )!;
    for (const v of versions.filter((x) => x.key === workflow.key)) {
      for (const key of workflow.actionTypes) {
        const rule = DEFAULT_MATRIX.find((r) => r.actionType === key)!;
        if (rule.mode === "auto") continue;
        const t = types.find((x) => x.key === key)!;
        const variants = [
          { name: "default", approverRole: rule.approverRole, required: rule.requiredApprovals },
          ...rule.conditions.map((c) => ({
            name: c.name,
            approverRole: c.approverRole ?? rule.approverRole,
            required: c.requiredApprovals ?? rule.requiredApprovals,
          })),
        ];
        for (const variant of variants) {
          shapes.push({
            idx: shapes.length,
            agentId: a.id,
            environmentId: a.environmentId,
            workflowVersionId: v.id,
            actionTypeId: t.id,
            object: t.object,
            operation: t.operation,
            mode: rule.mode,
            rule: `${key}/${variant.name}`,
            approverRole: variant.approverRole,
            required: variant.required,
            slaMinutes: rule.slaMinutes ?? 240,
            risk: riskScore({
              mode: rule.mode,
              rule: `${key}/${variant.name}`,
              requiredApprovals: variant.required,
              actionType: key,
              environmentSlug: a.env,
            }),
          });
        }
      }
    }
  }
  return shapes;
}

/** 100,000 waiting requests with 1–3 field changes each, set-based so it takes seconds. */
async function fillInbox(client: pg.Client, vacuum: boolean) {
  const shapes = await waitingShapes(client);
  const ids = demoRecordIds();
  await client.query(`select setseed(0.42)`);
  await client.query(
    `create temp table shape as
     select * from json_to_recordset($1::json) as x(idx int, "agentId" text, "environmentId" text,
       "workflowVersionId" text, "actionTypeId" text, object text, operation text, mode text,
       rule text, "approverRole" text, required int, "slaMinutes" int, risk int)`,
    [JSON.stringify(shapes)],
  );
  // Over 30 days nearly every request is past its SLA, and the sweep escalates those to the
  // on-call group. Expiry is set beyond the window so none of them would have expired yet.
  await client.query(
    `with g as materialized (
       select i, floor(random() * $2)::int as s,
              (now() at time zone 'UTC') - random() * interval '30 days' as created
       from generate_series(1, $1::int) i)
     insert into "ActionRequest" (id, "agentId", "environmentId", "workflowVersionId",
       "actionTypeId", "idempotencyKey", "bodyHash", object, "recordId", "accountId", status,
       "decisionOutcome", "decisionMode", "decisionRule", "decisionReasons", "approverRole",
       "requiredApprovals", "reasonCode", "reasonText", evidence, "createdAt", "updatedAt",
       "slaDueAt", "escalatedAt", "escalatedTo", "expiresAt", "riskScore")
     select 'ar_' || left(md5('inbox-bench-' || g.i), 16), s."agentId", s."environmentId",
       s."workflowVersionId", s."actionTypeId", 'inbox-bench-' || g.i, md5('body-' || g.i),
       s.object,
       case when s.operation = 'create' then null
            when s.object = 'Lead' then ($3::text[])[1 + g.i % cardinality($3::text[])]
            else ($4::text[])[1 + g.i % cardinality($4::text[])] end,
       case when s.object = 'Opportunity' then ($5::text[])[1 + g.i % cardinality($5::text[])] end,
       'pending_approval', 'pending_approval', s.mode::"ApprovalMode", s.rule,
       array['Matrix: ' || replace(s.mode, '_', ' ') || ' by ' || s."approverRole"],
       s."approverRole", s.required, 'PIPELINE_HYGIENE', 'Bench request ' || g.i,
       jsonb_build_array(jsonb_build_object('type', 'crm_activity', 'ref', 'activity/' || g.i)),
       g.created, g.created, d.due,
       case when d.due < (now() at time zone 'UTC') then d.due + interval '1 minute' end,
       case when d.due < (now() at time zone 'UTC') then 'revops_oncall' end,
       g.created + interval '31 days', s.risk
     from g join shape s on s.idx = g.s
     cross join lateral (select g.created + s."slaMinutes" * interval '1 minute' as due) d`,
    [ROWS, shapes.length, ids.leads, ids.opportunities, ids.accounts],
  );
  await client.query(
    `insert into "FieldChange" (id, "actionRequestId", field, "oldValue", "newValue")
     select 'fc_' || left(md5(r.id || f.field), 20), r.id, f.field,
       case when t.operation = 'create' then null else to_jsonb('was ' || f.n) end,
       case when f.field = 'Amount' then to_jsonb(10000 + abs(hashtext(r.id)) % 90000)
            else to_jsonb('proposed ' || f.n) end
     from "ActionRequest" r join "ActionType" t on t.id = r."actionTypeId"
     cross join lateral unnest(t.fields[1 : 1 + abs(hashtext(r.id)) % 3]) with ordinality f(field, n)
     where r."idempotencyKey" like 'inbox-bench-%'`,
  );
  await client.query(vacuum ? `vacuum analyze` : `analyze`);
  return shapes.length;
}

/** The plan without cost estimates; `nodesOnly` keeps the node lines and the timings. */
function planSummary(lines: string[], nodesOnly: boolean) {
  return lines
    .filter(
      (l) => !nodesOnly || /^\s*(->|\w.*\(cost=)/.test(l) || /Execution Time|Planning Time/.test(l),
    )
    .map((l) =>
      l
        .replace(/\(cost=[^)]*\)\s*/, "")
        .replace(
          /\(actual time=([\d.]+)\.\.([\d.]+) rows=(\d+) loops=(\d+)\)/,
          "($2 ms, $3 rows × $4)",
        ),
    );
}

async function main() {
  setEnv({ TOLLGATE_SECRET_KEY: "bench-secret-key" });
  const started = process.hrtime.bigint();
  const database = await benchDatabase("bench_inbox");
  const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
  const { listInbox } = await import("@/lib/approvals/inbox");
  const { db, disconnectDb } = await import("@/lib/db");
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    let t = process.hrtime.bigint();
    const seeded = await seedDemoOrg();
    console.log(
      `seeded the demo org (${seeded.requests} history requests) in ${(since(t) / 1000).toFixed(1)} s`,
    );
    t = process.hrtime.bigint();
    const shapes = await fillInbox(client, values.vacuum);
    const { rows: counts } = await client.query<{ status: string; n: string }>(
      `select status::text, count(*) as n from "ActionRequest" group by 1 order by 2 desc`,
    );
    const { rows: fc } = await client.query<{ n: string }>(
      `select count(*) as n from "FieldChange"`,
    );
    console.log(
      `inserted ${ROWS} pending requests (${shapes} agent/environment/workflow version/action/rule shapes) and their field changes in ${(since(t) / 1000).toFixed(1)} s, then ${values.vacuum ? "VACUUM ANALYZE" : "ANALYZE"}`,
    );
    console.log(
      `  ActionRequest: ${counts.map((c) => `${c.status} ${c.n}`).join(", ")}; FieldChange: ${fc[0].n}`,
    );

    const user = async (email: string): Promise<TCurrentUser> =>
      toCurrentUser(
        await db.user.findUniqueOrThrow({ where: { email }, select: CURRENT_USER_SELECT }),
      );
    const multiGroup = await user("approver@tollgate.demo");
    const cases: [string, TCurrentUser, Record<string, string>][] = [
      ["dealdesk@: 1 group", await user("dealdesk@tollgate.demo"), {}],
      [`approver@: ${multiGroup.groups.length} groups`, multiGroup, {}],
      ["admin@: every request", await user("admin@tollgate.demo"), {}],
      [
        `approver@ + agent & environment filter`,
        multiGroup,
        { agent: "pipeline-hygiene-bot", environment: "prod" },
      ],
    ];

    const scans = async () => {
      const { rows } = await client.query<{ name: string; n: string }>(
        `select indexrelname as name, idx_scan as n from pg_stat_user_indexes
         where relname = 'ActionRequest'
         union all select 'sequential scans', seq_scan from pg_stat_user_tables
         where relname = 'ActionRequest'`,
      );
      return new Map(rows.map((r) => [r.name, Number(r.n)]));
    };
    const scansBefore = await scans();
    console.log(
      `\napprover@ is in ${multiGroup.groups.join(", ")}; dealdesk@ in deal_desk; the filter is pipeline-hygiene-bot in prod`,
    );
    console.log(
      `listInbox first page (50 rows + total), ${WARM_UP} warm-up + ${RUNS} timed runs each; target ≤ ${TARGET_MS} ms server time`,
    );
    console.log(
      "case".padEnd(40) +
        "total".padStart(8) +
        "median ms".padStart(11) +
        "p95 ms".padStart(9) +
        "p99 ms".padStart(9) +
        "  target",
    );
    for (const [name, u, query] of cases) {
      for (let i = 0; i < WARM_UP; i++) await listInbox(u, query);
      const ms: number[] = [];
      let total: number | null = null;
      for (let i = 0; i < RUNS; i++) {
        const t0 = process.hrtime.bigint();
        const page = await listInbox(u, query);
        ms.push(since(t0));
        total = page.total;
        if (page.items.length !== Math.min(50, page.total ?? 0))
          throw new Error(`${name}: ${page.items.length} items for a total of ${page.total}`);
      }
      ms.sort((a, b) => a - b);
      const p99 = pct(ms, 0.99);
      console.log(
        name.padEnd(40) +
          String(total).padStart(8) +
          pct(ms, 0.5).toFixed(1).padStart(11) +
          pct(ms, 0.95).toFixed(1).padStart(9) +
          p99.toFixed(1).padStart(9) +
          (p99 <= TARGET_MS
            ? "  met (p99)"
            : pct(ms, 0.5) <= TARGET_MS
              ? "  met (median only)"
              : "  MISSED"),
      );
    }

    // closing the pool makes its backends report their scan counts
    await disconnectDb();
    await new Promise((r) => setTimeout(r, 500));
    const scansAfter = await scans();
    const delta = [...scansAfter]
      .map(([name, n]) => [name, n - (scansBefore.get(name) ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    console.log(
      `ActionRequest scans during those ${cases.length * (WARM_UP + RUNS)} pages: ${delta.map(([name, n]) => `${name} ${n}`).join(", ")}`,
    );

    // The SQL behind one page, as the Prisma client sends it: a client that logs its queries
    // takes the shared client's place (lib/db keeps it on globalThis) for a single call.
    const logged: { query: string; params: string }[] = [];
    const logging = new PrismaClient({
      adapter: new PrismaPg({ connectionString: database.url }),
      log: [{ emit: "event", level: "query" }],
    });
    logging.$on("query", (e) => logged.push({ query: e.query, params: e.params }));
    (globalThis as { __tollgateDb?: unknown }).__tollgateDb = logging;
    await listInbox(multiGroup, {});
    await disconnectDb();

    console.log(
      `\nEXPLAIN (ANALYZE, BUFFERS) of the ${logged.length} statements behind the ${cases[1][0]} first page:`,
    );
    for (const [i, q] of logged.entries()) {
      const params = JSON.parse(q.params) as unknown[];
      const { rows } = await client.query<{ "QUERY PLAN": string }>(
        `explain (analyze, buffers) ${q.query}`,
        params,
      );
      const plan = rows.map((r) => r["QUERY PLAN"]);
      const from = /from\s+("?[\w".]+)/i.exec(q.query)?.[1]?.replace(/"public"\./, "") ?? "?";
      const kind = /count\(/i.test(q.query) ? "count" : "select";
      console.log(`\n[${i + 1}] ${kind} from ${from}`);
      // the list and the count are what the target depends on; relation loads get one line
      const important = from.includes("ActionRequest");
      const summary = planSummary(plan, !important);
      for (const line of important ? summary : [summary[0], summary[summary.length - 1]])
        console.log(`    ${line}`);
      if (important) {
        const sql = q.query.replace(/"public"\."ActionRequest"\./g, "").replace(/\s+/g, " ");
        // the list's select list is long and says nothing about the plan
        console.log(
          `    SQL: ${kind === "count" ? sql : `SELECT …${sql.slice(sql.search(/ FROM /))}`}`,
        );
        console.log(`    params: ${q.params}`);
      }
    }
  } finally {
    await client.end();
    await disconnectDb();
    if (KEEP) console.log(`\nkept the database: ${database.url}`);
    else await database.drop();
  }
  console.log(
    `\nbench took ${(since(started) / 1000).toFixed(1)} s; load average ${loadAverage()} at the end`,
  );
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
