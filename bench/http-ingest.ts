/**
 * The agent API's ingest (POST /api/agent/v1/action-requests, lead.create, auto-approved: auth,
 * rate limits, policy, persist, audit, queue) through the production server (scripts/serve.ts),
 * next to pgbench running the MINIMAL durable write on the same database server in the same
 * run: one transaction inserting a request row, 5 field-change rows and 1 audit row into plain
 * tables shaped like ours (LIKE … INCLUDING ALL: columns, defaults, indexes; no triggers, no
 * foreign keys, no lock beyond the inserts). Each client level runs HTTP, then pgbench.
 *   npm run bench:ingest [-- --clients 16,64 --seconds 10 --pool 16 --statements 200 --profile DIR --next-only]
 * `--next-only` has Next answer the agent API too (its route files), as before the server had its
 * own door for it (lib/http/agent-door.ts): the two compared on the same machine.
 * Before the load, `--statements N` sequential requests go through a wire counter
 * (bench/lib/pg-wire-counter.ts) to count the SQL statements and round trips each one costs,
 * then 16 clients for 3 s: statements per request under load, by kind (what coalesces).
 * `--profile DIR` runs the server under `node --cpu-prof` and writes, per client level, a flame
 * graph of the load window (DIR/ingest-c<N>.svg) and its top frames (DIR/ingest-c<N>-top.txt).
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import pg from "pg";
import { freePort } from "@/lib/db/embedded";
import { buildIfNeeded, serverArgs } from "../scripts/lib/runtime";
import { childEnv, dropProxyVariables, env, setEnv } from "@/lib/env";
import { benchDatabase, loadAverage } from "./lib/bench-database";
import { postActionRequest } from "./lib/agent-post";
import { startSandboxProcess } from "./lib/sandbox-process";
import { unlimitedLeadAgent } from "./lib/unlimited-agent";
import { startWireCounter, type TWireStatement } from "./lib/pg-wire-counter";
import { flameGraph, type TCpuProfile } from "./lib/flame-graph";
import { backendsOf, cpuMeter } from "./lib/proc-cpu";

const execFileAsync = promisify(execFile);

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "16,64" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "300" },
    pool: { type: "string", default: "16" },
    statements: { type: "string", default: "200" },
    profile: { type: "string" },
    "next-only": { type: "boolean", default: false },
  },
});
const LEVELS = values.clients.split(",").map(Number);
const SECONDS = Number(values.seconds);
const POOL = Number(values.pool);

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
const median = (xs: number[]) =>
  pct(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** The production server on a free port, as `npm start` serves (its own process, optionally profiled). */
async function startServer(databaseUrl: string, profileDir?: string) {
  const port = await freePort();
  const prof = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...prof, ...serverArgs(port, "127.0.0.1"), ...(values["next-only"] ? ["--next-only"] : [])],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: childEnv({
        DATABASE_URL: databaseUrl,
        NEXTAUTH_SECRET: "bench",
        NEXTAUTH_URL: `http://localhost:${port}`,
        NEXT_TELEMETRY_DISABLED: "1",
        DB_POOL_SIZE: String(POOL),
      }),
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => String(d).includes("Ready") && resolve());
    child.on("exit", (code) => reject(new Error(`the server exited (${code})`)));
  });
  return { port, child };
}

function stopServer(child: ChildProcess) {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

type TResult = { ms: number; status: number | string };
type TMeters = { server: () => number[]; database: () => number[] };

/** One keep-alive HTTP client per level, so the client costs the shared CPUs little. */
function client(port: number, key: string, sockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  let seq = 0;
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const body = () => {
    const n = seq++;
    return JSON.stringify({
      idempotencyKey: `bench-${tag}-${n}`,
      workflow: { key: "lead-enrichment" },
      actionType: "lead.create",
      target: { system: "salesforce", object: "Lead", recordId: null },
      changes: {
        FirstName: "Ada",
        LastName: `Bench ${n}`,
        Company: "Bench Co",
        Email: `ada${n}@bench.example`,
        LeadSource: "Web",
      },
      reason: { code: "INBOUND_FORM", text: "Demo request form" },
      evidence: [{ type: "form_submission", ref: `hubspot:form/${n}` }],
    });
  };
  const send = (): Promise<TResult> => postActionRequest({ agent, port, key, payload: body() });
  return { send, close: () => agent.destroy() };
}

async function load(port: number, key: string, clients: number, meters: TMeters) {
  const c = client(port, key, clients);
  const stopServerCpu = cpuMeter(meters.server);
  const stopDbCpu = cpuMeter(meters.database);
  const results: TResult[] = [];
  const from = process.hrtime.bigint();
  const until = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) results.push(await c.send());
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const to = process.hrtime.bigint();
  const serverCpu = stopServerCpu();
  const dbCpu = stopDbCpu();
  c.close();
  const ok = results.filter((r) => r.status === 201).map((r) => r.ms);
  ok.sort((a, b) => a - b);
  const errors = new Map<string, number>();
  for (const r of results)
    if (r.status !== 201) errors.set(String(r.status), (errors.get(String(r.status)) ?? 0) + 1);
  return {
    rate: ok.length / elapsed,
    p50: pct(ok, 0.5),
    p99: pct(ok, 0.99),
    ok: ok.length,
    errors,
    cpuPerRequest: { server: serverCpu / results.length, database: dbCpu / results.length },
    window: { from: Number(from / 1000n), to: Number(to / 1000n) },
  };
}

/** pgbench's minimal durable write (see the top of this file) into tables made for it. */
function pgbenchScript(dir: string, ids: { agentId: string; environmentId: string }) {
  const file = path.join(dir, "minimal-write.sql");
  const fields = ["FirstName", "LastName", "Company", "Email", "LeadSource"];
  const ar = `('ar-' || :client_id || '-' || :r)`;
  const fieldRows = fields
    .map((f) => `('fc-' || :client_id || '-' || :r || '-${f}', ${ar}, '${f}', null, '"value"')`)
    .join(", ");
  const changes = JSON.stringify(Object.fromEntries(fields.map((f) => [f, "value"])));
  fs.writeFileSync(
    file,
    `\\set r random(1, 9000000000000000000)
BEGIN;
INSERT INTO bench_request (id, "agentId", "environmentId", "idempotencyKey", "bodyHash", object, status, "decisionOutcome", "decisionMode", "decisionRule", "decisionReasons", "reasonCode", "reasonText", evidence, "recordSummary", "updatedAt") VALUES (${ar}, '${ids.agentId}', '${ids.environmentId}', ${ar}, md5(${ar}), 'Lead', 'auto_approved', 'auto_approved', 'auto', 'lead.create', ARRAY['Matrix: lead.create is auto'], 'INBOUND_FORM', 'Demo request form', '[{"type":"form_submission","ref":"hubspot form 1"}]', '{"name":"Ada Bench"}', now());
INSERT INTO bench_field_change (id, "actionRequestId", field, "oldValue", "newValue") VALUES ${fieldRows};
INSERT INTO bench_audit (lane, "actorType", "actorAgentId", action, "subjectType", "subjectId", "environmentId", object, "reasonCode", "reasonText", evidence, payload, "contentHash") VALUES ('data', 'agent', '${ids.agentId}', 'action_request.created', 'action_request', ${ar}, '${ids.environmentId}', 'Lead', 'INBOUND_FORM', 'Demo request form', '[{"type":"form_submission","ref":"hubspot form 1"}]', '{"status":"auto_approved","changes":${changes}}', encode(sha256(convert_to(${ar}, 'UTF8')), 'hex'));
END;
`,
  );
  return file;
}

async function runPgbench(url: string, script: string, clients: number) {
  const { stdout: out } = await execFileAsync(
    "pgbench",
    [
      "-n",
      "-M",
      "prepared",
      "-c",
      String(clients),
      "-j",
      "2",
      "-T",
      String(SECONDS),
      "-f",
      script,
      "-r",
      url,
    ],
    { encoding: "utf8" },
  );
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  return {
    tps: num(/tps = ([\d.]+)/),
    latencyMs: num(/latency average = ([\d.]+) ms/),
    failed: num(/number of failed transactions: (\d+)/),
  };
}

/** Short, comparable SQL: the first words of a statement, literals and lists left out. */
const shortSql = (s: TWireStatement) =>
  s.sql.replace(/\s+/g, " ").replace(/\$\d+/g, "?").trim().slice(0, 110);

async function countStatements(databaseUrl: string, key: string, n: number) {
  const u = new URL(databaseUrl);
  const counter = await startWireCounter({ host: u.hostname, port: Number(u.port || 5432) });
  const proxied = new URL(databaseUrl);
  proxied.host = `127.0.0.1:${counter.port}`;
  const server = await startServer(proxied.toString());
  try {
    const c = client(server.port, key, 1);
    for (let i = 0; i < 50; i++) await c.send(); // caches, JIT
    const per: { statements: TWireStatement[]; roundTrips: number }[] = [];
    for (let i = 0; i < n; i++) {
      const from = performance.now();
      const r = await c.send();
      if (r.status !== 201) throw new Error(`unexpected ${r.status}`);
      per.push(counter.between(from, performance.now()));
    }
    c.close();
    // the same under load: 16 clients for 3 s, so what coalesces (admissions, job wake-ups) shows
    const busy = client(server.port, key, 16);
    const from = performance.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() - from < 3_000) {
          if ((await busy.send()).status !== 201) throw new Error("unexpected status under load");
          sent++;
        }
      }),
    );
    busy.close();
    const loaded = counter.between(from, performance.now());
    const kinds = new Map<string, number>();
    for (const st of loaded.statements) {
      const k = shortSql(st).slice(0, 40);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    const counts = per.map((p) => p.statements.length);
    const trips = per.map((p) => p.roundTrips);
    const typical = per.find((p) => p.statements.length === median(counts))!;
    return {
      n,
      statements: { median: median(counts), min: Math.min(...counts), max: Math.max(...counts) },
      roundTrips: { median: median(trips), min: Math.min(...trips), max: Math.max(...trips) },
      mean: counts.reduce((a, b) => a + b, 0) / n,
      typical: typical.statements.map(shortSql),
      underLoad: {
        requests: sent,
        perRequest: loaded.statements.length / sent,
        byKind: [...kinds].map(([k, n]) => `${(n / sent).toFixed(2)}  ${k}`),
      },
    };
  } finally {
    await stopServer(server.child);
    await counter.close();
  }
}

async function main() {
  dropProxyVariables();
  setEnv({ TOLLGATE_SECRET_KEY: "bench-secret-key", TOLLGATE_ALLOW_LOOPBACK: "1" }); // the sandbox
  await buildIfNeeded();
  const against = env().DATABASE_URL ? "DATABASE_URL's server" : "an embedded PostgreSQL";
  const database = await benchDatabase("bench_ingest");
  const { db, disconnectDb } = await import("@/lib/db");
  let sandbox: Awaited<ReturnType<typeof startSandboxProcess>> | null = null;
  try {
    const [info] = await db.$queryRaw<
      { version: string; fsync: string; sync: string; wal: string; maxconn: string }[]
    >`select version(), current_setting('fsync') as fsync, current_setting('synchronous_commit') as sync,
        current_setting('wal_sync_method') as wal, current_setting('max_connections') as maxconn`;
    const server = new URL(database.serverUrl);
    console.log(
      `measured against ${against} ` +
        `${server.hostname}:${server.port || 5432}: ${info.version.split(" on ")[0]}, fsync ${info.fsync}, ` +
        `synchronous_commit ${info.sync}, wal_sync_method ${info.wal}, max_connections ${info.maxconn}`,
    );
    console.log(
      `server: scripts/serve.ts (production build, agent API through ${values["next-only"] ? "Next" : "its own door"}), DB_POOL_SIZE ${POOL}; client: node:http keep-alive in this process; ${SECONDS} s per run`,
    );

    const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
    const { pointDemoEnvironmentsAt } = await import("@/lib/environments");
    await seedDemoOrg({ history: false });
    sandbox = await startSandboxProcess();
    await pointDemoEnvironmentsAt(sandbox.url);
    const { agent, key } = await unlimitedLeadAgent();
    // as the owner (the runtime role makes no tables); pgbench connects as the owner too
    const owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
    await owner.query(`CREATE TABLE bench_request (LIKE "ActionRequest" INCLUDING ALL);
      CREATE TABLE bench_field_change (LIKE "FieldChange" INCLUDING ALL);
      CREATE TABLE bench_audit (LIKE "AuditEvent" INCLUDING ALL)`);
    await owner.end();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "tg-bench-ingest-"));
    const script = pgbenchScript(work, { agentId: agent.id, environmentId: agent.environmentId });

    const statementRuns = Number(values.statements);
    if (statementRuns > 0) {
      const s = await countStatements(database.url, key, statementRuns);
      console.log(
        `\nSQL per request (${s.n} sequential requests counted on the wire, after 50 to warm up): ` +
          `statements median ${s.statements.median} (min ${s.statements.min}, max ${s.statements.max}, mean ${s.mean.toFixed(2)}), ` +
          `round trips median ${s.roundTrips.median} (min ${s.roundTrips.min}, max ${s.roundTrips.max})`,
      );
      console.log(`a typical request's statements:`);
      for (const q of s.typical) console.log(`  ${q}`);
      console.log(
        `under load (16 clients, 3 s through the same counter, ${s.underLoad.requests} requests): ` +
          `${s.underLoad.perRequest.toFixed(2)} statements per request, by kind:`,
      );
      for (const k of s.underLoad.byKind) console.log(`  ${k}`);
    }

    const profileDir = values.profile ? path.resolve(values.profile) : undefined;
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    const before = new Set(profileDir ? fs.readdirSync(profileDir) : []);
    const app = await startServer(database.url, profileDir);
    const rows: string[] = [];
    const windows: { clients: number; from: number; to: number }[] = [];
    try {
      const warm = client(app.port, key, 1);
      for (let i = 0; i < Number(values.warmup); i++) await warm.send(); // JIT, caches, describe
      warm.close();
      for (const clients of LEVELS) {
        const http = await load(app.port, key, clients, {
          server: () => [app.child.pid!],
          database: backendsOf(new URL(database.url).pathname.slice(1)),
        });
        windows.push({ clients, ...http.window });
        let pgb: Awaited<ReturnType<typeof runPgbench>> | null = null;
        const stopPgbenchCpu = cpuMeter(backendsOf(new URL(database.url).pathname.slice(1)));
        let pgbCpu = NaN;
        try {
          pgb = await runPgbench(database.url, script, clients);
          pgbCpu = stopPgbenchCpu() / (pgb.tps * SECONDS);
        } catch (e) {
          const err = e as Error & { stderr?: string };
          console.error(`pgbench did not run: ${err.message.split("\n")[0]}\n${err.stderr ?? ""}`);
        }
        const errs = [...http.errors].map(([s, n]) => `${n}× ${s}`).join(", ") || "none";
        rows.push(
          `${String(clients).padStart(7)}  ${Math.round(http.rate).toString().padStart(6)} req/s  ` +
            `p50 ${http.p50.toFixed(1).padStart(6)} ms  p99 ${http.p99.toFixed(1).padStart(6)} ms  ` +
            `${pgb ? Math.round(pgb.tps).toString().padStart(6) : "     –"} tps  ` +
            `${pgb ? ((http.rate / pgb.tps) * 100).toFixed(0).padStart(4) + "%" : "    –"}  ` +
            `CPU/request: server ${http.cpuPerRequest.server.toFixed(2)} ms, PostgreSQL ${http.cpuPerRequest.database.toFixed(2)} ms (pgbench's: ${pgbCpu.toFixed(2)} ms)  ` +
            `errors: ${errs}${pgb?.failed ? `; pgbench failed ${pgb.failed}` : ""}  (load ${loadAverage()})`,
        );
      }
    } finally {
      await stopServer(app.child);
    }

    console.log(
      `\nHTTP: POST /api/agent/v1/action-requests, lead.create (auto-approved), 201s only in the rates and latencies`,
    );
    console.log(
      `pgbench: -M prepared, BEGIN; INSERT request; INSERT 5 field changes; INSERT audit row; END (tables LIKE ours)`,
    );
    console.log(`clients      HTTP                                         pgbench   HTTP/pgbench`);
    for (const r of rows) console.log(r);
    console.log(`(figures from a shared ${os.cpus().length}-CPU machine: under load)`);

    if (profileDir) {
      const file = fs
        .readdirSync(profileDir)
        .filter((f) => f.endsWith(".cpuprofile") && !before.has(f))
        .map((f) => path.join(profileDir, f))[0];
      if (!file) throw new Error(`no .cpuprofile appeared in ${profileDir}`);
      const profile = JSON.parse(fs.readFileSync(file, "utf8")) as TCpuProfile;
      // the load windows on the profile's clock, to render again later
      fs.writeFileSync(`${file}.windows.json`, JSON.stringify(windows));
      for (const w of windows) {
        const g = flameGraph(profile, {
          title: `POST /api/agent/v1/action-requests under load, ${w.clients} clients`,
          from: w.from,
          to: w.to,
        });
        fs.writeFileSync(path.join(profileDir, `ingest-c${w.clients}.svg`), g.svg);
        fs.writeFileSync(path.join(profileDir, `ingest-c${w.clients}-top.txt`), g.top + "\n");
        console.log(
          `flame graph: ${path.join(profileDir, `ingest-c${w.clients}.svg`)} (${g.samples} samples)`,
        );
      }
    }
  } finally {
    await sandbox?.stop();
    await disconnectDb();
    await database.drop();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
