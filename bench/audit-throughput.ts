/**
 * Audit appends and sealing (issue 11): N writers append audit events for a while, each in its
 * own transaction as the app does — the app's tollgate_append_audit statement committing alone,
 * as the ingest path's one statement does (--mode transaction: BEGIN, it, COMMIT) —
 * while a sealer process (a worker's leader loop) links them into the chains. Prints appends/s,
 * lost events (every committed event must be sealed exactly once, no gap in any lane), the sealing
 * lag (sealedAt − the writer's commit) p50/p99, then pgbench running the minimal durable write
 * (one transaction inserting one audit-like row, no lock) at the same client count, and finally
 * verification speed over ≥ 1M sealed events (generated in bulk).
 * The verification's physical limit beside it: psql reading the same columns of the lane (COPY to
 * nowhere, no hashing).
 *   npm run bench:audit [-- --writers 16 --seconds 60 --pgbench-seconds 20 --verify-events 1000000 --mode statement|transaction --only all|verify]
 * (--only verify: the verification part alone)
 * Uses DATABASE_URL's server, else an embedded PostgreSQL; makes and drops its own database.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { childEnv, env, setEnv } from "@/lib/env";
import { NODE_TS } from "../scripts/lib/node-ts";
import { appendMany } from "../tests/integration/fixtures/audit-bulk";
import { benchDatabase, loadAverage } from "./lib/bench-database";

const { values } = parseArgs({
  options: {
    writers: { type: "string", default: "16" },
    seconds: { type: "string", default: "60" },
    "pgbench-seconds": { type: "string", default: "20" },
    "verify-events": { type: "string", default: "1000000" },
    // statement: the append alone commits (the ingest path's one-statement transaction);
    // transaction: BEGIN, the append, COMMIT (a service's $transaction)
    mode: { type: "string", default: "statement" },
    only: { type: "string", default: "all" },
  },
});
const MODE = values.mode === "transaction" ? "transaction" : "statement";
const WRITERS = Number(values.writers);
const SECONDS = Number(values.seconds);
const PGBENCH_SECONDS = Number(values["pgbench-seconds"]);
const VERIFY_EVENTS = Number(values["verify-events"]);
const VERIFY_ONLY = values.only === "verify";

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
const ms = (n: number) => `${Math.round(n)} ms`;

/** timestamps without time zone hold UTC (as the app reads them) */
const utc = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 1114) return (v: string) => new Date(v.replace(" ", "T") + "Z");
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

async function connect(url: string) {
  const c = new pg.Client({ connectionString: url, types: utc });
  await c.connect();
  return c;
}

/** The sealer: a worker's leader loop in a process of its own. */
function startSealer(vars: NodeJS.ProcessEnv) {
  return new Promise<{ stop: () => Promise<void> }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...NODE_TS, "tests/integration/fixtures/audit-writer-child.ts"],
      {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...vars, WRITERS: "0", CHILD_NAME: "sealer" },
      },
    );
    child.stdout!.on("data", (d: Buffer) => {
      if (String(d).includes("ready")) {
        resolve({
          stop: () =>
            new Promise<void>((r) => {
              child.once("exit", () => r());
              child.kill("SIGTERM");
            }),
        });
      }
    });
    child.once("exit", (code) => reject(new Error(`the sealer exited (${code})`)));
  });
}

/** Parts 1 and 2: the writers and the sealer, then pgbench at the same client count. */
async function appendsAndPgbench(owner: pg.Client, url: string, keyDir: string) {
  const { auditAppendSql, verifyAuditLane, AUDIT_LANES } = await import("@/lib/audit");
  // ── 1. N writers for SECONDS, a sealer process beside them ──
  const sealer = await startSealer(
    childEnv({ DATABASE_URL: url, OUT_FILE: path.join(keyDir, "none") }),
  );
  const clients = await Promise.all(Array.from({ length: WRITERS }, () => connect(url)));
  // as the app's connections: the runtime role, whose only way into the table is the function
  for (const c of clients) await c.query(`set role ${env().TOLLGATE_DB_ROLE}`);
  const committed: { id: string; at: number }[] = [];
  let failed = 0;
  const lanes = [
    { action: "field_ownership.defined", payload: { fields: ["Opportunity.StageName"] } },
    { action: "field.changed", payload: {} },
    {
      action: "agent.rate_limited",
      payload: { windowStart: "2026-01-01T00:00:00.000Z", counter: "refused_minute" },
    },
  ] as const;
  console.log(`load average ${loadAverage()} before the writers`);
  const started = Date.now();
  const until = started + SECONDS * 1000;
  await Promise.all(
    clients.map(async (c, w) => {
      for (let i = 0; Date.now() < until; i++) {
        const e = lanes[(w + i) % lanes.length];
        const sql = auditAppendSql({
          action: e.action,
          payload: e.payload as never,
          actor: { type: "system" },
          subjectId: crypto.randomUUID(),
          reasonText: `bench writer ${w} event ${i}`,
        });
        try {
          if (MODE === "transaction") await c.query("begin");
          const { rows } = await c.query(sql.text, sql.values);
          if (MODE === "transaction") await c.query("commit");
          committed.push({ id: String(rows[0].id), at: Date.now() });
        } catch (err) {
          failed++;
          await c.query("rollback").catch(() => {});
          if (failed === 1) console.error(`a write failed: ${(err as Error).message}`);
        }
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  console.log(`load average ${loadAverage()} after the writers`);
  await Promise.all(clients.map((c) => c.end()));

  // every committed event sealed (by the sealer process, not by this one)
  const waitFrom = Date.now();
  for (;;) {
    const { rows } = await owner.query(
      `select count(*)::int as n from "AuditEvent" where seq is null`,
    );
    if (rows[0].n === 0) break;
    if (Date.now() - waitFrom > 120_000) throw new Error(`${rows[0].n} events never sealed`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await sealer.stop();
  const { rows: sealed } = await owner.query<{ id: string; sealedAt: Date }>(
    `select id::text as id, "sealedAt" from "AuditEvent" where id = any($1::bigint[]) and seq is not null`,
    [committed.map((c) => c.id)],
  );
  const sealedAt = new Map(sealed.map((r) => [r.id, r.sealedAt.getTime()]));
  const lost = committed.filter((c) => !sealedAt.has(c.id)).length;
  const lags = committed
    .filter((c) => sealedAt.has(c.id))
    .map((c) => sealedAt.get(c.id)! - c.at)
    .sort((a, b) => a - b);
  const { rows: lanesCheck } = await owner.query(
    `select e.lane::text as lane, count(*)::int as n, count(distinct e.seq)::int as d, max(e.seq) as max, h.seq as head
     from "AuditEvent" e join "AuditLaneHead" h on h.lane = e.lane group by e.lane, h.seq`,
  );
  const gaps = lanesCheck.filter((l) => !(l.n === l.d && l.d === l.max && l.max === l.head));
  const { rows: total } = await owner.query(`select count(*)::int as n from "AuditEvent"`);
  const verified = [];
  for (const lane of AUDIT_LANES) verified.push(await verifyAuditLane(lane));

  console.log(
    `\naudit appends: ${WRITERS} writers, ${elapsed.toFixed(1)} s, one transaction per event (${MODE === "statement" ? "the append statement commits alone, as ingest's one statement does" : "BEGIN, append, COMMIT"})`,
  );
  console.log(
    `  ${Math.round(committed.length / elapsed)} appends/s (${committed.length} committed, ${failed} failed)`,
  );
  console.log(
    `  lost: ${lost} (committed but not sealed), ${total[0].n - committed.length} stored beyond those committed, lanes with a gap: ${gaps.length}, chains ${verified.every((v) => v.ok) ? "verify" : "BROKEN"}`,
  );
  console.log(
    `  sealing lag (sealedAt − commit): p50 ${ms(pct(lags, 0.5))}, p99 ${ms(pct(lags, 0.99))}, max ${ms(lags[lags.length - 1])}`,
  );

  // ── 2. the machine's limit: pgbench, the minimal durable write, same clients ──
  await owner.query(`create table bench_audit_like (id bigserial primary key, lane text not null,
    created_at timestamp not null, actor_type text not null, action text not null, subject_type text not null,
    subject_id text not null, payload jsonb not null, content_hash text not null)`);
  const script = path.join(keyDir, "append.sql");
  fs.writeFileSync(
    script,
    (MODE === "transaction" ? "BEGIN;\n" : "") +
      `INSERT INTO bench_audit_like (lane, created_at, actor_type, action, subject_type, subject_id, payload, content_hash) VALUES ('config', now(), 'system', 'field_ownership.defined', 'field_ownership', md5(random()::text), '{"fields":["Opportunity.StageName"]}', md5(random()::text) || md5(random()::text));\n` +
      (MODE === "transaction" ? "END;\n" : ""),
  );
  try {
    const out = execFileSync(
      "pgbench",
      ["-n", "-c", String(WRITERS), "-j", "2", "-T", String(PGBENCH_SECONDS), "-f", script, url],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
    console.log(
      `\npgbench, the minimal durable write (one transaction inserting one audit-like row, ${MODE}), ${WRITERS} clients, ${PGBENCH_SECONDS} s:`,
    );
    console.log(
      `  ${Math.round(tps)} transactions/s; audit appends reach ${((committed.length / elapsed / tps) * 100).toFixed(0)}% of it`,
    );
  } catch (e) {
    console.error(`pgbench did not run: ${(e as Error).message.split("\n")[0]}`);
  }
}

async function main() {
  const database = await benchDatabase("audit");
  const url = database.url;
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-bench-audit-"));
  // a checkpoint key of the bench's own (the sealer signs as a worker does)
  const keyFile = path.join(keyDir, "key.pem");
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  fs.writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  setEnv({ TOLLGATE_AUDIT_SIGNING_KEY_FILE: keyFile }, { force: true });
  const { verifyAuditLane } = await import("@/lib/audit");
  const { disconnectDb } = await import("@/lib/db");
  const owner = await connect(url);
  try {
    if (!VERIFY_ONLY) await appendsAndPgbench(owner, url, keyDir);

    // ── 3. verification speed over ≥ VERIFY_EVENTS sealed events ──
    const genStart = Date.now();
    const CHUNK = 50_000;
    for (let n = 0; n < VERIFY_EVENTS; n += CHUNK) {
      await appendMany(owner, Math.min(CHUNK, VERIFY_EVENTS - n), { prefix: `v${n}` });
      for (;;) {
        const { rows } = await owner.query(`select tollgate_seal_audit('execution', 100000) as n`);
        if (rows[0].n < 100000) break;
      }
    }
    const { rows: execCount } = await owner.query(
      `select seq from "AuditLaneHead" where lane = 'execution'`,
    );
    console.log(
      `\ngenerated and sealed ${VERIFY_EVENTS} events in ${((Date.now() - genStart) / 1000).toFixed(0)} s; the execution lane holds ${execCount[0].seq}`,
    );
    // the physical limit: the same columns of the lane read by psql and thrown away
    const readStart = Date.now();
    let readSeconds = NaN;
    try {
      execFileSync(
        "psql",
        [
          "-q",
          url,
          "-c",
          `copy (select seq, lane, "createdAt", "actorType", "actorAgentId", "actorUserId", action,
             "subjectType", "subjectId", "environmentId", object, "recordId", field, "oldValue",
             "newValue", "reasonCode", "reasonText", source, evidence, payload, "prevHash", hash,
             "contentHash" from "AuditEvent" where lane = 'execution' and seq > 0 order by seq) to stdout`,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      readSeconds = (Date.now() - readStart) / 1000;
    } catch (e) {
      console.error(`psql did not run: ${(e as Error).message.split("\n")[0]}`);
    }
    console.log(`load average ${loadAverage()} before verifying`);
    const vStart = Date.now();
    const cpu = process.cpuUsage();
    const v = await verifyAuditLane("execution");
    const vSeconds = (Date.now() - vStart) / 1000;
    const used = process.cpuUsage(cpu);
    console.log(
      `verification of the execution lane: ${v.checked} events in ${vSeconds.toFixed(1)} s = ${Math.round(v.checked / vSeconds)} events/s (${v.ok ? "intact" : "BROKEN: " + v.broken?.detail}); this process's CPU ${((used.user + used.system) / 1e6).toFixed(1)} s`,
    );
    console.log(
      `  the read alone (psql COPY of the same columns, no hashing): ${readSeconds.toFixed(1)} s = ${Math.round(v.checked / readSeconds)} rows/s`,
    );
    console.log(`load average ${loadAverage()} at the end`);
  } finally {
    await owner.end();
    await disconnectDb();
    await database.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
