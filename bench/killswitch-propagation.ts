/**
 * Kill-switch propagation under load: TWO app instances (scripts/serve.ts, production build, on two
 * loopback ports) and TWO workers (`scripts/worker.ts`, as `npm run worker` runs them), all on
 * one database, with the Salesforce sandbox as its own process. Agent clients POST lead.create
 * (auto-approved: the workers create each Lead in the sandbox) at both app instances without
 * pause, while the console's path trips the prod environment's switch again and again: POST
 * /api/internal/kill-switches/trip with an admin session (signed in over HTTP), alternately on
 * either instance; after `--hold` ms, POST …/reset, then `--gap` ms of load before the next trip
 * (and at least 2 Salesforce writes since the reset). Per trip it counts, after the trip's
 * answer arrived and before the reset was sent:
 *   (a) requests accepted by either instance (201, the request created): by the time the client
 *       sent them, and by their arrival on the server (ActionRequest.createdAt, the server's
 *       clock as the request is handled) — must be 0
 *   (b) Salesforce writes started: the Leads the sandbox made, by their CreatedDate (the
 *       sandbox's own clock, stamped as it takes the create) — must be 0
 *   (c) propagation per instance: the trip's commit → the instance applied it (its
 *       acknowledgement, KillSwitchAck.ackedAt in database time, less the drain it measured from
 *       the notice's arrival) — target p99 ≤ 100 ms; and commit → acknowledged (an instance
 *       acknowledges once nothing that passed its gate before the trip is still running). The
 *       commit is the database's clock read just before COMMIT (tripKillSwitch's committedAt),
 *       so the commit itself (the app sending it, the WAL flush) counts in. Beside them, in the
 *       same run: the floor — a transaction writing one row and NOTIFYing, on one connection, →
 *       a LISTEN on another, both in this process, every 100 ms — and when the trip's own notice
 *       reached that LISTEN
 * and the trip's HTTP answer time, split into sent → its transaction started (the tripped
 * event's time) → commit → answer received. Exits 1 when (a) or (b) is violated.
 *   npm run bench:killswitch [-- --trips 20 --clients 3 --rate 60 --hold 1000 --gap 1500
 *                              --worker-concurrency 4 --worker-node-args="…" --log-dir DIR
 *                              --no-trace]
 * `--clients`: concurrent agent clients per app instance; `--rate`: their total requests per
 * second (0: as fast as the instances answer — the queue then outgrows the workers and each
 * trip halts a longer backlog). `--worker-node-args`: node flags for the two workers, split on
 * spaces, given with `=` (`--worker-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"` writes a
 * profile per worker as it exits, `--trace-gc` prints each collection); `--log-dir`: every child
 * process's stdout and stderr, in full, to DIR/<name>.log (the bench keeps only their last lines);
 * `--no-trace`: every process without TOLLGATE_KILL_SWITCH_TRACE (its samplers wake each process
 * every 5 ms; (c) does not need them) and so without the per-process breakdown. With (a) > 0, each
 * 201 sent during the hold is listed with when the server stamped it and when its answer came,
 * against the reset's sending and answer. (a) by send time counts such a 201 unless the server
 * stamped it after the reset's answer: the stamp (ActionRequest.createdAt, this machine's clock)
 * is taken before the request's gate, so it passed the gate after the reset had committed — an
 * overloaded instance getting to it late, not a request accepted while tripped.
 * Uses DATABASE_URL's server (else an embedded PostgreSQL); makes and drops its own database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { freePort } from "@/lib/db/embedded";
import { childEnv, dropProxyVariables, env, setEnv } from "@/lib/env";
import { buildIfNeeded, serverArgs } from "../scripts/lib/runtime";
import { NODE_TS } from "../scripts/lib/node-ts";
import { benchDatabase, loadAverage } from "./lib/bench-database";
import { postActionRequest } from "./lib/agent-post";
import { startSandboxProcess } from "./lib/sandbox-process";
import { unlimitedLeadAgent } from "./lib/unlimited-agent";
import type { TTraceLine } from "@/lib/guardrails/kill-switch-trace";

const { values } = parseArgs({
  options: {
    trips: { type: "string", default: "20" },
    clients: { type: "string", default: "3" },
    rate: { type: "string", default: "60" },
    hold: { type: "string", default: "1000" },
    gap: { type: "string", default: "1500" },
    "worker-concurrency": { type: "string", default: "4" },
    "worker-node-args": { type: "string", default: "" },
    "log-dir": { type: "string", default: "" },
    "no-trace": { type: "boolean", default: false },
  },
});
const TRIPS = Number(values.trips);
const CLIENTS = Number(values.clients);
const RATE = Number(values.rate);
const HOLD_MS = Number(values.hold);
const GAP_MS = Number(values.gap);
const WORKER_CONCURRENCY = Number(values["worker-concurrency"]);
const WORKER_NODE_ARGS = values["worker-node-args"]!.split(/\s+/).filter(Boolean);
const LOG_DIR = values["log-dir"] ? path.resolve(values["log-dir"]) : null;
// the trace's samplers wake each process every 5 ms: off, to see what they cost
const TRACE_ENV = values["no-trace"] ? {} : { TOLLGATE_KILL_SWITCH_TRACE: "1" };
const TARGET_P99_MS = 100;
const COMPANY = "Kill Switch Bench";
const ADMIN = { email: "admin@tollgate.demo", password: "tollgate-admin" };
const SWITCH = { scope: "environment", target: "prod" };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : "–");
const p50p99 = (xs: number[]) => `p50 ${fmt(pct(xs, 0.5))}, p99 ${fmt(pct(xs, 0.99))}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type TProc = { child: ChildProcess; name: string; out: string[] };

/** Every process's `[kill-switch trace]` lines (TOLLGATE_KILL_SWITCH_TRACE, kill-switch-trace.ts). */
const traces: (TTraceLine & { proc: string })[] = [];
const TRACE = "[kill-switch trace] ";

/** A child process whose stdout is kept (the last lines, for an error) and watched for `ready`. */
function spawnReady(name: string, args: string[], vars: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: vars });
  const proc: TProc = { child, name, out: [] };
  if (LOG_DIR) {
    fs.mkdirSync(LOG_DIR, { recursive: true });
    const file = fs.createWriteStream(path.join(LOG_DIR, `${name}.log`));
    child.stdout!.pipe(file, { end: false });
    child.stderr!.pipe(file, { end: false });
    child.once("exit", () => file.end());
  }
  const keeper = () => {
    let partial = "";
    return (d: Buffer) => {
      const lines = (partial + String(d)).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) {
        const at = l.indexOf(TRACE);
        if (at >= 0)
          traces.push({ ...(JSON.parse(l.slice(at + TRACE.length)) as TTraceLine), proc: name });
      }
      proc.out.push(...lines.filter((l) => l && !l.includes(TRACE)));
      if (proc.out.length > 200) proc.out.splice(0, proc.out.length - 200);
    };
  };
  child.stderr!.on("data", keeper());
  const keep = keeper();
  return new Promise<TProc>((resolve, reject) => {
    let seen: string | null = "";
    child.stdout!.on("data", (d: Buffer) => {
      keep(d);
      if (seen === null) return;
      seen += String(d);
      if (ready.test(seen)) {
        seen = null;
        resolve(proc);
      }
    });
    child.once("exit", (code) =>
      reject(new Error(`${name} exited (${code}):\n${proc.out.slice(-20).join("\n")}`)),
    );
  });
}

function stop(proc: TProc) {
  return new Promise<void>((resolve) => {
    if (proc.child.exitCode !== null || proc.child.signalCode) return resolve();
    const timer = setTimeout(() => proc.child.kill("SIGKILL"), 10_000);
    proc.child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    proc.child.kill("SIGTERM");
  });
}

/** The production server on a free loopback port, as bench:ingest starts it. */
async function startApp(name: string, databaseUrl: string) {
  const port = await freePort();
  const proc = await spawnReady(
    name,
    serverArgs(port, "127.0.0.1"),
    childEnv({
      DATABASE_URL: databaseUrl,
      NEXTAUTH_SECRET: "bench",
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      NEXT_TELEMETRY_DISABLED: "1",
      ...TRACE_ENV,
    }),
    /Ready/,
  );
  return { ...proc, port, base: `http://127.0.0.1:${port}` };
}

/** A worker as `npm run worker` runs one. */
function startWorkerProcess(name: string, databaseUrl: string, keyFile: string) {
  return spawnReady(
    name,
    [...WORKER_NODE_ARGS, ...NODE_TS, "scripts/worker.ts"],
    childEnv({
      DATABASE_URL: databaseUrl,
      TOLLGATE_WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      TOLLGATE_AUDIT_SIGNING_KEY_FILE: keyFile,
      ...TRACE_ENV,
    }),
    /worker \S+ is running/,
  );
}

/** An admin's console session, signed in through next-auth's credentials form as a browser would. */
async function signIn(base: string) {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookies = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: cookies.join("; "),
    },
    body: new URLSearchParams({ csrfToken, ...ADMIN, json: "true", callbackUrl: base }),
  });
  await res.arrayBuffer();
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`sign-in failed: HTTP ${res.status}`);
  return session;
}

/** A console POST (JSON, from the console's own origin, with the session). */
async function consolePost(base: string, cookie: string, route: string, body: unknown) {
  const res = await fetch(`${base}/api/internal/kill-switches/${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base, cookie },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

type TSent = {
  app: number;
  sentAt: number;
  doneAt: number;
  status: number | string;
  idempotencyKey: string;
};

/**
 * Agent clients: `CLIENTS` per app instance, each sending one request after the other on a
 * keep-alive socket, paced so all of them together send at most `RATE` per second.
 */
function startLoad(apps: { port: number }[], key: string) {
  const sent: TSent[] = [];
  const state = { done: false };
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  let seq = 0;
  const everyMs = RATE > 0 ? (1000 * CLIENTS * apps.length) / RATE : 0;
  const one = (agent: http.Agent, port: number, idempotencyKey: string, n: number) =>
    new Promise<number | string>((resolve) => {
      const payload = JSON.stringify({
        idempotencyKey,
        workflow: { key: "lead-enrichment" },
        actionType: "lead.create",
        target: { system: "salesforce", object: "Lead", recordId: null },
        changes: {
          FirstName: "Ada",
          LastName: `Switch ${n}`,
          Company: COMPANY,
          Email: `ada${n}@killswitch.example`,
          LeadSource: "Web",
        },
        reason: { code: "INBOUND_FORM", text: "Demo request form" },
        evidence: [{ type: "form_submission", ref: `hubspot:form/${n}` }],
      });
      void postActionRequest({ agent, port, key, payload }).then((r) => resolve(r.status));
    });
  const running = Promise.all(
    apps.flatMap((app, i) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
      return Array.from({ length: CLIENTS }, async (_, c) => {
        // spread the clients' first sends over one period
        let next = performance.now() + (everyMs * (c * apps.length + i)) / (CLIENTS * apps.length);
        while (!state.done) {
          if (everyMs) {
            const wait = next - performance.now();
            if (wait > 0) await sleep(wait);
            next = Math.max(next + everyMs, performance.now() - everyMs);
          }
          const n = seq++;
          const idempotencyKey = `ks-${tag}-${n}`;
          const sentAt = Date.now();
          const status = await one(agent, app.port, idempotencyKey, n);
          sent.push({ app: i, sentAt, doneAt: Date.now(), status, idempotencyKey });
        }
      });
    }),
  );
  return {
    sent,
    stop: async () => {
      state.done = true;
      await running;
    },
  };
}

/**
 * The floor under propagation in the same run: a transaction that writes a row and NOTIFYs on
 * commit (durable, as a trip's is) on one connection → LISTEN on another, both in this process,
 * every 100 ms, timed from before the statement to the notice's arrival.
 */
async function startNotifyProbe(url: string) {
  const listener = new pg.Client({ connectionString: url, application_name: "bench:probe" });
  const notifier = new pg.Client({ connectionString: url, application_name: "bench:probe" });
  await listener.connect();
  await notifier.connect();
  await listener.query("LISTEN bench_probe");
  await notifier.query("create table if not exists bench_probe (n int not null)");
  const sentAt = new Map<string, number>();
  const ms: number[] = [];
  listener.on("notification", (m) => {
    const t = sentAt.get(m.payload ?? "");
    if (m.channel === "bench_probe" && t !== undefined) ms.push(performance.now() - t);
  });
  let n = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const id = String(n++);
    sentAt.set(id, performance.now());
    notifier
      .query(
        "with i as (insert into bench_probe values ($1::int) returning n) select pg_notify('bench_probe', n::text) from i",
        [id],
      )
      .catch(() => {})
      .finally(() => (busy = false));
  }, 100);
  // the trips' own notices, as any LISTEN connection gets them: when each arrived here
  const tripNoticeAt = new Map<string, number>();
  await listener.query("LISTEN tollgate_kill_switch");
  listener.on("notification", (m) => {
    if (m.channel !== "tollgate_kill_switch") return;
    const change = (JSON.parse(m.payload ?? "{}") as { change?: string | null }).change;
    if (change) tripNoticeAt.set(change, Date.now());
  });
  return {
    ms,
    tripNoticeAt,
    stop: async () => {
      clearInterval(timer);
      await sleep(200);
      await listener.end();
      await notifier.end();
    },
  };
}

type TAck = { instance: string; kind: string; ms: number };

/**
 * Where each process's propagation went (its `[kill-switch trace]` lines): commit → its
 * listener's notification callback ran, against commit → this bench's own LISTEN got the same
 * notice (the database's delivery; the rest is the process's); then callback → applied, → the
 * main thread took it (with how long the main loop had been away just before, and its event-loop
 * delay and CPU over the window before the trip), the drain, and the acknowledgement.
 */
function printBreakdown(
  order: string[],
  names: Map<string, string>,
  trips: { change: string }[],
  commitOf: Map<string, number>,
  benchNoticeAt: Map<string, number>,
) {
  const changes = new Set(trips.map((t) => t.change));
  const num = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : "–");
  const cell = (xs: number[]) => `${num(pct(xs, 0.5))}/${num(pct(xs, 0.99))}`.padStart(10);
  const head = [
    "commit→callback",
    "of it: bench",
    "process",
    "stall",
    "loop p99",
    "loop max",
    "cpu %",
    "→applied",
    "→main",
    "drain",
    "ack wait",
    "ack RTT",
  ];
  console.log(`
where propagation goes, per process (ms, p50/p99 over trips; trace lines)`);
  console.log(["        ", ...head.map((h) => h.padStart(10))].join(" "));
  for (const name of order) {
    const id = [...names].find(([, v]) => v === name)![0];
    const lines = traces.filter((l) => l.instanceId === id && changes.has(l.change));
    const col = (f: (l: TTraceLine) => number | undefined) =>
      lines.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
    const commit = (l: TTraceLine) => commitOf.get(l.change);
    const bench = (l: TTraceLine) => {
      const at = benchNoticeAt.get(l.change);
      const c = commit(l);
      return at === undefined || c === undefined ? undefined : at - c;
    };
    console.log(
      [
        name.padEnd(8),
        cell(col((l) => (commit(l) === undefined ? undefined : l.noticedAt - commit(l)!))),
        cell(col(bench)),
        cell(
          col((l) => {
            const b = benchNoticeAt.get(l.change);
            return b === undefined ? undefined : l.noticedAt - b;
          }),
        ),
        cell(col((l) => l.stallMs)),
        cell(col((l) => l.loopP99Ms)),
        cell(col((l) => l.loopMaxMs)),
        cell(col((l) => l.cpuPct)),
        cell(col((l) => l.appliedAt - l.noticedAt)),
        cell(col((l) => (l.mainAt === undefined ? undefined : l.mainAt - l.noticedAt))),
        cell(col((l) => l.drainMs)),
        cell(col((l) => l.ackQueuedMs)),
        cell(col((l) => l.ackRoundTripMs)),
      ].join(" "),
    );
  }
  console.log(
    `  commit→callback: the trip's commit → the process's notification callback ran (wall clock); ` +
      `of it: bench: commit → this bench's LISTEN got the same notice; process: callback − that; ` +
      `→applied: callback → applied in memory the gates read; →main: callback → the main thread ` +
      `took it (to drain and acknowledge); stall: the main thread's event loop's absence just before ` +
      `it took it (a 5 ms sampler); loop p99/max and CPU %: the main thread's since the previous trip; ` +
      `drain: main took it → nothing that passed the gate before is running; ack wait/RTT: the ` +
      `acknowledgement waiting for the listener thread, then its round trip`,
  );
}
type TTrip = {
  n: number;
  via: number;
  sentAt: number;
  answeredAt: number;
  resetSentAt: number;
  /** the reset's HTTP answer: it had committed by then */
  resetAnsweredAt: number;
  change: string;
  halted: number;
  instances: number;
  acknowledged: TAck[];
  unacknowledged: { instance: string; kind: string }[];
  writesBefore: number;
};

async function main() {
  dropProxyVariables();
  setEnv({ TOLLGATE_SECRET_KEY: "bench-secret-key", TOLLGATE_ALLOW_LOOPBACK: "1" }); // the sandbox
  const started = Date.now();
  await buildIfNeeded();
  const against = env().DATABASE_URL ? "DATABASE_URL's server" : "an embedded PostgreSQL";
  const database = await benchDatabase("bench_kill");
  const { db, disconnectDb } = await import("@/lib/db");
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-bench-kill-"));
  // the workers sign audit checkpoints (one leads the sealer): a key of the bench's own
  const keyFile = path.join(keyDir, "key.pem");
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  fs.writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const procs: TProc[] = [];
  let sandbox: Awaited<ReturnType<typeof startSandboxProcess>> | null = null;
  let failed = false;
  try {
    const [info] = await db.$queryRaw<{ version: string; sync: string }[]>`
      select version(), current_setting('synchronous_commit') as sync`;
    console.log(
      `against ${against}: ${info.version.split(" on ")[0]}, synchronous_commit ${info.sync}`,
    );
    const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
    const { pointDemoEnvironmentsAt } = await import("@/lib/environments");
    const { SalesforceConnector } = await import("@/lib/connectors/salesforce");
    const { DEFAULT_SANDBOX_CREDENTIALS } = await import("@/lib/connectors/salesforce-sandbox");
    await seedDemoOrg({ history: false });
    sandbox = await startSandboxProcess({ control: true });
    await pointDemoEnvironmentsAt(sandbox.url);
    const sandboxWrites = async () => {
      const res = await fetch(`${sandbox!.url}/__sandbox/state`);
      const s = (await res.json()) as { writes: Record<string, number> };
      return Object.values(s.writes).reduce((a, b) => a + b, 0);
    };
    const { agent, key } = await unlimitedLeadAgent();

    const apps = [];
    for (const name of ["app A", "app B"]) {
      const app = await startApp(name, database.url);
      procs.push(app);
      apps.push(app);
    }
    for (const name of ["worker 1", "worker 2"]) {
      procs.push(await startWorkerProcess(name, database.url, keyFile));
    }
    const names = new Map<string, string>();
    for (let deadline = Date.now() + 60_000; ;) {
      const live = await db.runtimeInstance.findMany({ where: { listening: true } });
      for (const i of live) {
        const p = procs.find((x) => x.child.pid === i.pid);
        names.set(i.id, p?.name ?? `${i.kind} ${i.pid}`);
      }
      if (names.size === 4) break;
      if (Date.now() > deadline) throw new Error(`only ${names.size} of 4 instances listening`);
      await sleep(100);
    }
    const cookie = await signIn(apps[0].base);
    // load the console routes' code on both instances (an empty body is refused, nothing trips)
    for (const app of apps) {
      for (const route of ["trip", "reset"]) {
        await consolePost(app.base, cookie, route, {}).catch(() => {});
      }
    }
    console.log(
      `2 app instances (scripts/serve.ts, production build) on ports ${apps.map((a) => a.port).join(" and ")}, ` +
        `2 workers (concurrency ${WORKER_CONCURRENCY} each), the sandbox at ${sandbox.url}; ` +
        `agent load: ${CLIENTS} clients per app instance, ${RATE > 0 ? `${RATE} requests/s in all` : "unpaced"}; ` +
        `${TRIPS} trips of the prod environment's switch through POST /api/internal/kill-switches/trip ` +
        `(admin session), each held ${HOLD_MS} ms, ${GAP_MS} ms of load between`,
    );

    // warm up: both instances accept, the workers write
    const load = startLoad(apps, key);
    const probe = await startNotifyProbe(database.url);
    const trips: TTrip[] = [];
    try {
      const waitWrites = async (from: number, what: string) => {
        for (let deadline = Date.now() + 30_000; (await sandboxWrites()) < from + 2;) {
          if (Date.now() > deadline) throw new Error(`no Salesforce writes ${what}`);
          await sleep(50);
        }
      };
      await waitWrites(await sandboxWrites(), "while warming up");
      await sleep(GAP_MS);
      for (let n = 1; n <= TRIPS; n++) {
        const writesBefore = await sandboxWrites();
        const via = (n - 1) % 2;
        const sentAt = Date.now();
        const answer = await consolePost(apps[via].base, cookie, "trip", {
          ...SWITCH,
          reason: `bench trip ${n}`,
        });
        const answeredAt = Date.now();
        const ks = answer.killSwitch as {
          halted: number;
          propagation: {
            change: string;
            instances: number;
            acknowledged: TAck[];
            unacknowledged: { instance: string; kind: string }[];
          };
        };
        await sleep(HOLD_MS);
        const resetSentAt = Date.now();
        await consolePost(apps[via].base, cookie, "reset", {
          ...SWITCH,
          reason: `bench trip ${n} over`,
        });
        const resetAnsweredAt = Date.now();
        trips.push({
          n,
          via,
          sentAt,
          answeredAt,
          resetSentAt,
          resetAnsweredAt,
          change: ks.propagation.change,
          halted: ks.halted,
          instances: ks.propagation.instances,
          acknowledged: ks.propagation.acknowledged,
          unacknowledged: ks.propagation.unacknowledged,
          writesBefore,
        });
        // load resumes: the workers write again before the next trip
        const afterReset = await sandboxWrites();
        await sleep(GAP_MS);
        await waitWrites(afterReset, `after reset ${n}`);
      }
    } finally {
      await probe.stop();
      await load.stop();
    }
    // let the last writes land, then stop everything before reading what happened
    await sleep(1000);
    for (const p of [...procs].reverse()) await stop(p);

    // ── what happened, from each side's own records ──
    const sf = new SalesforceConnector({
      loginUrl: sandbox.url,
      apiVersion: "62.0",
      ...DEFAULT_SANDBOX_CREDENTIALS,
    });
    const leads = (
      await sf.query<{ CreatedDate: string }>(
        `SELECT Id, CreatedDate FROM Lead WHERE Company = '${COMPANY}'`,
        { maxRecords: 10_000_000 },
      )
    ).records.map((r) => Date.parse(r.CreatedDate.replace(/\+0000$/, "Z")));
    const acceptedRows = await db.$queryRaw<{ createdAt: Date; idempotencyKey: string }[]>`
        select "createdAt", "idempotencyKey" from "ActionRequest"
        where "agentId" = ${agent.id} and "refusalCode" is null`;
    const accepted = acceptedRows.map((r) => r.createdAt.getTime());
    const createdAtOf = new Map(acceptedRows.map((r) => [r.idempotencyKey, r.createdAt.getTime()]));
    const acks = await db.killSwitchAck.findMany({
      where: { changeId: { in: trips.map((t) => t.change) } },
    });
    const drainOf = new Map(acks.map((a) => [`${a.changeId} ${a.instanceId}`, a.drainMs]));
    const appliedAtOf = new Map(
      acks.map((a) => [`${a.changeId} ${a.instanceId}`, a.appliedAt?.getTime() ?? null]),
    );
    // where a trip's answer time goes: the trip event is stamped as its transaction starts, the
    // commit is each acknowledgement less its propagation time
    const tripEvents = await db.$queryRaw<{ change: string; createdAt: Date }[]>`
      select payload->>'change' as change, "createdAt" from "AuditEvent"
      where action = 'kill_switch.tripped'`;
    const txStartOf = new Map(tripEvents.map((e) => [e.change, e.createdAt.getTime()]));
    const commitOf = new Map<string, number>();
    for (const t of trips) {
      const a = t.acknowledged[0];
      const row = a && acks.find((x) => x.changeId === t.change && x.instanceId === a.instance);
      if (row) commitOf.set(t.change, row.ackedAt.getTime() - a.ms);
    }
    const phases = { toTx: [] as number[], tx: [] as number[], after: [] as number[] };
    const benchNoticeMs = trips
      .filter((t) => commitOf.has(t.change) && probe.tripNoticeAt.has(t.change))
      .map((t) => probe.tripNoticeAt.get(t.change)! - commitOf.get(t.change)!);
    const attempts = await db.executionAttempt.findMany({
      where: { actionRequest: { agentId: agent.id } },
      select: { outcome: true, startedAt: true, finishedAt: true },
    });
    const outcomes = new Map<string, number>();
    for (const a of attempts)
      outcomes.set(String(a.outcome), (outcomes.get(String(a.outcome)) ?? 0) + 1);
    const attemptMs = attempts
      .filter((a) => a.finishedAt)
      .map((a) => a.finishedAt!.getTime() - a.startedAt.getTime());
    const statuses = new Map<string, number>();
    for (const s of load.sent)
      statuses.set(String(s.status), (statuses.get(String(s.status)) ?? 0) + 1);

    const inWindow = (t: number, from: number, to: number) => t >= from && t < to;
    const order = [...names.values()].sort();
    const rows: string[] = [];
    const ackMs: number[] = [];
    const appliedMs: number[] = [];
    const byName = new Map(order.map((n) => [n, { ack: [] as number[], applied: [] as number[] }]));
    const answerMs: number[] = [];
    let violationsA = 0;
    let violationsB = 0;
    let unacked = 0;
    let lastReset = 0;
    const sentAfter: string[] = [];
    for (const t of trips) {
      const win = (x: number) => inWindow(x, t.answeredAt, t.resetSentAt);
      const sentInWindow = load.sent.filter((s) => s.status === 201 && win(s.sentAt));
      // a 201 sent during the hold counts unless the server stamped it after the reset had been
      // answered (so committed): the stamp comes before the request's gate, so such a request
      // passed the gate with the switch reset — an instance that only got to it then, not a leak
      const aSent = sentInWindow.filter((s) => {
        const created = createdAtOf.get(s.idempotencyKey);
        return created === undefined || created <= t.resetAnsweredAt;
      }).length;
      // each one's timeline: was it handled (stamped by the server) before or after the reset?
      for (const s of sentInWindow) {
        const created = createdAtOf.get(s.idempotencyKey);
        const rel = (x: number | undefined, to: number) =>
          x === undefined ? "–" : `${x - to >= 0 ? "+" : ""}${x - to} ms`;
        sentAfter.push(
          `trip ${t.n}: sent ${rel(s.sentAt, t.answeredAt)} after the answer; against the ` +
            `reset's sending, stamped by the server ${rel(created, t.resetSentAt)}, answered ${rel(s.doneAt, t.resetSentAt)} ` +
            `(the reset answered ${rel(t.resetAnsweredAt, t.resetSentAt)})`,
        );
      }
      const aArrived = accepted.filter(win).length;
      const refused = load.sent.filter((s) => s.status === 423 && win(s.sentAt)).length;
      const writesAfter = leads.filter(win).length;
      const before = (x: number) => inWindow(x, lastReset, t.sentAt);
      const acceptedBefore = load.sent.filter((s) => s.status === 201 && before(s.sentAt)).length;
      const writesBefore = leads.filter(before).length;
      lastReset = t.resetSentAt;
      violationsA += Math.max(aSent, aArrived);
      violationsB += writesAfter;
      unacked += t.unacknowledged.length;
      answerMs.push(t.answeredAt - t.sentAt);
      const txStart = txStartOf.get(t.change);
      const commit = commitOf.get(t.change);
      const phase = (x: number | undefined) => (x === undefined ? "–" : String(Math.round(x)));
      const toTx = txStart === undefined ? undefined : txStart - t.sentAt;
      const tx = txStart === undefined || commit === undefined ? undefined : commit - txStart;
      const after = commit === undefined ? undefined : t.answeredAt - commit;
      if (toTx !== undefined) phases.toTx.push(toTx);
      if (tx !== undefined) phases.tx.push(tx);
      if (after !== undefined) phases.after.push(after);
      const perInstance = order.map((name) => {
        const id = [...names].find(([, v]) => v === name)![0];
        const a = t.acknowledged.find((x) => x.instance === id);
        if (!a) return "     –";
        // the instance's own clock (one machine: the database's too) when it applied the trip;
        // rows without it: the acknowledgement less its drain (which counts the ack's round trip)
        const at = appliedAtOf.get(`${t.change} ${id}`);
        const commit = commitOf.get(t.change);
        const applied =
          at != null && commit !== undefined
            ? Math.max(0, at - commit)
            : Math.max(0, a.ms - (drainOf.get(`${t.change} ${id}`) ?? 0));
        ackMs.push(a.ms);
        appliedMs.push(applied);
        byName.get(name)!.ack.push(a.ms);
        byName.get(name)!.applied.push(applied);
        return `${String(Math.round(a.ms)).padStart(4)}/${String(Math.round(applied)).padStart(3)}`;
      });
      rows.push(
        [
          String(t.n).padStart(4),
          `app ${"AB"[t.via]}`,
          String(t.answeredAt - t.sentAt).padStart(6),
          `${phase(toTx)}/${phase(tx)}/${phase(after)}`.padStart(14),
          String(t.halted).padStart(6),
          ...perInstance.map((p) => p.padStart(9)),
          String(t.unacknowledged.length).padStart(7),
          `${String(acceptedBefore).padStart(5)}/${String(writesBefore).padEnd(5)}`,
          String(refused).padStart(7),
          `${aSent}/${aArrived}`.padStart(9),
          String(writesAfter).padStart(8),
        ].join("  "),
      );
    }

    console.log(
      `\nper trip (ms; ack/applied = trip commit → the instance acknowledged / applied it, database clock)`,
    );
    console.log(
      [
        "trip",
        "via  ",
        "answer",
        "→tx/tx/after".padStart(14),
        "halted",
        ...order.map((n) => n.padStart(9)),
        "unacked",
        "before: 201/SF",
        "423 after",
        "(a) 201s",
        "(b) SF",
      ].join("  "),
    );
    for (const r of rows) console.log(r);
    if (sentAfter.length) console.log(`(a) by send time, each 201:\n  ${sentAfter.join("\n  ")}`);
    console.log(
      `answer: sent → answer received; →tx/tx/after: sent → the trip's transaction started / its ` +
        `transaction / commit → answer received; ` +
        `before: accepted requests (by send time) / Salesforce writes between the previous reset and the trip; ` +
        `after: between the trip's answer and the reset (${HOLD_MS} ms): 423s, (a) 201s by send time / by server arrival, (b) Leads created`,
    );
    console.log(
      `agent requests: ${load.sent.length} sent (${[...statuses].map(([s, n]) => `${n}× ${s}`).join(", ")}); ` +
        `${accepted.length} accepted; ${leads.length} Leads created in Salesforce`,
    );

    const p99 = pct(appliedMs, 0.99);
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    console.log(`\nsummary over ${trips.length} trips (${ackMs.length} acknowledgements)`);
    console.log(
      `  (a) requests accepted after the trip's answer:      ${violationsA}  (target 0)  ${verdict(violationsA === 0)}`,
    );
    console.log(
      `  (b) Salesforce writes started after the answer:     ${violationsB}  (target 0)  ${verdict(violationsB === 0)}`,
    );
    console.log(
      `  (c) propagation, commit → applied:                  ${p50p99(appliedMs)}  (target p99 ≤ ${TARGET_P99_MS} ms)  ${verdict(p99 <= TARGET_P99_MS)}`,
    );
    console.log(
      `      commit → acknowledged (applied, then drained):  ${p50p99(ackMs)}  (${pct(ackMs, 0.99) <= TARGET_P99_MS ? "within" : "beyond"} ${TARGET_P99_MS} ms)`,
    );
    for (const [name, xs] of byName)
      console.log(
        `        ${name.padEnd(8)}  applied ${p50p99(xs.applied)};  acknowledged ${p50p99(xs.ack)}`,
      );
    console.log(
      `      floor: write + NOTIFY → LISTEN, same load (${probe.ms.length} probes): ${p50p99(probe.ms)}`,
    );
    console.log(
      `      the trip's notice at this bench's LISTEN, commit → here: ${p50p99(benchNoticeMs)}`,
    );
    console.log(`  trip's HTTP answer (sent → answer received):       ${p50p99(answerMs)}`);
    console.log(`      sent → its transaction started:                ${p50p99(phases.toTx)}`);
    console.log(`      transaction (start → commit):                  ${p50p99(phases.tx)}`);
    console.log(`      commit → answer received:                      ${p50p99(phases.after)}`);
    console.log(
      `  executions: ${[...outcomes].map(([o, n]) => `${n}× ${o}`).join(", ")}; attempt (started → finished) ${p50p99(attemptMs)}`,
    );
    if (!values["no-trace"]) printBreakdown(order, names, trips, commitOf, probe.tripNoticeAt);
    if (unacked)
      console.log(
        `  ${unacked} acknowledgement(s) missing within the trip's wait: (a)/(b) after those trips are not guaranteed`,
      );
    console.log(
      `(a shared ${os.cpus().length}-CPU machine: load average ${loadAverage()} at the end; bench took ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
    failed = violationsA > 0 || violationsB > 0;
  } catch (e) {
    for (const p of procs) {
      if (p.child.exitCode === null)
        console.error(`── ${p.name}, last lines:\n${p.out.slice(-15).join("\n")}`);
    }
    throw e;
  } finally {
    for (const p of [...procs].reverse()) await stop(p);
    await sandbox?.stop();
    await disconnectDb();
    await database.drop();
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
