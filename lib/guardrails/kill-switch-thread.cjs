/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * The kill-switch LISTEN connection, on a thread of its own (kill-switch-listener.ts starts it):
 * its event loop does nothing else, so a trip's notice is applied the moment it reaches the
 * socket, not after whatever the process's main thread is running (a query's planning, a
 * response, a garbage collection). Plain CommonJS with only `pg`: it loads the same way inside
 * Next's bundle, under tsx and under vitest.
 *
 * It keeps the switches (load on connect, then each notice, the newest version winning) and
 * publishes them, whole, into shared memory under a sequence lock; the gates of the main thread
 * read that memory (kill-switch-state.ts `syncShared`), so a trip counts as applied here. Then it
 * tells the main thread (which drains and asks for the acknowledgement), and sends the
 * acknowledgements on this connection. Job wake-ups (lib/jobs/wake.ts) are passed on.
 *
 * Shared memory: Int32 [seq, live, length, overflow], then the JSON bytes. `seq` is odd while
 * the snapshot is written; `live` is 1 while this connection is up and loaded.
 */
const { parentPort, workerData } = require("node:worker_threads");
const pg = require("pg");

const {
  connectionString,
  role,
  instanceId,
  killSwitchChannel,
  ackChannel,
  jobWakeChannel,
  shared,
} = workerData;
const ctrl = new Int32Array(shared, 0, 4);
const bytes = new Uint8Array(shared, 16);
const SEQ = 0;
const LIVE = 1;
const LENGTH = 2;
const OVERFLOW = 3;

const PING_MS = 2_000;
const PING_TIMEOUT_MS = 3_000;
const BACKOFF_MS = [50, 100, 250, 500, 1_000, 2_000];

const LOAD_SQL = `
  select ks."scopeKey", ks.scope::text as scope, ks.version::text as version, ks.engaged,
         ks.reason, ks."environmentId", ks."agentId", ks."workflowId", w.key as "workflowKey"
  from "KillSwitch" ks left join "Workflow" w on w.id = ks."workflowId"`;

// the row and the notice in one statement, on this connection: never queued behind a pool
const ACK_SQL = `
  with a as (
    insert into "KillSwitchAck" ("changeId", "instanceId", "ackedAt", "drainMs", "appliedAt")
    values ($1, $2, clock_timestamp() at time zone 'UTC', $3, $4::timestamptz at time zone 'UTC')
    on conflict do nothing
    returning "changeId")
  select pg_notify('${ackChannel}', "changeId") from a`;

/** scopeKey → entry (version kept as a decimal string) */
let entries = new Map();
const encoder = new TextEncoder();

function publish() {
  const data = encoder.encode(JSON.stringify([...entries.values()]));
  Atomics.add(ctrl, SEQ, 1);
  if (data.length > bytes.length) {
    // too many switches for the shared memory: the main thread applies the messages instead
    Atomics.store(ctrl, OVERFLOW, 1);
  } else {
    bytes.set(data);
    Atomics.store(ctrl, LENGTH, data.length);
    Atomics.store(ctrl, OVERFLOW, 0);
  }
  Atomics.add(ctrl, SEQ, 1);
  // a gate that found the snapshot half written waits on this
  Atomics.notify(ctrl, SEQ);
}

const pick = (n) => ({
  scopeKey: n.scopeKey,
  version: n.version,
  engaged: n.engaged,
  scope: n.scope,
  reason: n.reason,
  environmentId: n.environmentId,
  agentId: n.agentId,
  workflowId: n.workflowId,
  workflowKey: n.workflowKey,
});

/** Apply one notice unless a newer version is held; true when applied. */
function apply(n) {
  const have = entries.get(n.scopeKey);
  if (have && BigInt(have.version) >= BigInt(n.version)) return false;
  entries.set(n.scopeKey, pick(n));
  return true;
}

function parse(payload) {
  try {
    const n = JSON.parse(payload ?? "");
    return typeof n.scopeKey === "string" && typeof n.version === "string" ? n : null;
  } catch {
    return null;
  }
}

const post = (m) => parentPort.postMessage(m);
const log = (line) => post({ type: "log", line });

let stopped = false;
let current = null;
let wake = null;

/** A notice applied: published, then the main thread is told (it drains and acknowledges). */
function handle(n, noticedAt) {
  apply(n);
  publish();
  const appliedAt = Date.now();
  post({
    type: "notice",
    change: n.engaged ? n.change : null,
    noticedAt,
    appliedAt,
    entry: pick(n),
  });
}

async function connect() {
  const client = new pg.Client({
    // read at each connect, as the main thread's requireEnv would (the environment is shared
    // with it, SHARE_ENV); this plain-CommonJS thread cannot load lib/env.ts
    // eslint-disable-next-line no-restricted-properties
    connectionString: (process.env.DATABASE_URL ?? "").trim() || connectionString,
    // names the connection in pg_stat_activity: which instance is listening
    application_name: `tollgate:${instanceId}`.slice(0, 63),
    keepAlive: true,
  });
  let loading = true;
  const buffered = [];
  let closedResolve = () => {};
  const closed = new Promise((r) => (closedResolve = r));
  let chain = Promise.resolve();
  const run = (text, values) => {
    const p = chain.then(() => client.query(text, values));
    chain = p.catch(() => {});
    return p;
  };
  const conn = { client, run, closed, drop: () => closedResolve() };
  client.on("notification", (msg) => {
    if (msg.channel === jobWakeChannel) return post({ type: "wake", queue: msg.payload });
    if (msg.channel !== killSwitchChannel) return;
    const noticedAt = Date.now();
    const n = parse(msg.payload);
    if (!n) return;
    if (loading) buffered.push([n, noticedAt]);
    else handle(n, noticedAt);
  });
  client.on("error", (e) => {
    if (!stopped) log(`connection lost: ${e.message}`);
    closedResolve();
  });
  client.on("end", () => closedResolve());
  try {
    await client.connect();
    try {
      await run(`SET ROLE ${role}`);
    } catch (e) {
      throw new Error(`could not SET ROLE ${role} (${e.message})`);
    }
    await run(`LISTEN ${killSwitchChannel}`);
    // the same connection wakes this process's job consumers (lib/jobs/wake.ts)
    await run(`LISTEN ${jobWakeChannel}`);
    const { rows } = await run(LOAD_SQL);
    entries = new Map(rows.map((r) => [r.scopeKey, pick(r)]));
    loading = false;
    for (const [n] of buffered) apply(n);
    publish();
    post({ type: "loaded", entries: [...entries.values()] });
    for (const [n, noticedAt] of buffered) {
      if (n.change && n.engaged) {
        post({
          type: "notice",
          change: n.change,
          noticedAt,
          appliedAt: Date.now(),
          entry: pick(n),
        });
      }
    }
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
  return conn;
}

async function ping(conn) {
  let timer;
  try {
    await Promise.race([
      conn.run("select 1"),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("ping timed out")), PING_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function loop() {
  let failures = 0;
  while (!stopped) {
    let conn = null;
    try {
      conn = await connect();
      if (stopped) {
        await conn.client.end().catch(() => {});
        break;
      }
      current = conn;
      Atomics.store(ctrl, LIVE, 1);
      post({ type: "up", again: failures > 0 });
      failures = 0;
      const pinger = setInterval(() => {
        ping(conn).catch((e) => {
          log(`connection lost: ${e.message}`);
          conn.drop();
        });
      }, PING_MS);
      await conn.closed;
      clearInterval(pinger);
    } catch (e) {
      if (!stopped && failures === 0) log(`cannot listen: ${e.message}; retrying`);
    }
    if (conn && current === conn) {
      current = null;
      // at once: the gates fall back to the database from their next read
      Atomics.store(ctrl, LIVE, 0);
      post({ type: "down" });
      // in the background: on a dead network, end() can wait for a long time
      void conn.client.end().catch(() => {});
    }
    if (stopped) break;
    const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
    failures += 1;
    await new Promise((r) => {
      wake = r;
      setTimeout(r, delay);
    });
    wake = null;
  }
}

const running = loop();

parentPort.on("message", (m) => {
  if (m.type === "ack") {
    const conn = current;
    if (!conn) {
      post({ type: "acked", id: m.id, error: "not connected" });
      return;
    }
    const sent = performance.now();
    conn.run(ACK_SQL, [m.change, instanceId, m.drainMs, new Date(m.appliedAt).toISOString()]).then(
      () => post({ type: "acked", id: m.id, roundTripMs: performance.now() - sent }),
      (e) => post({ type: "acked", id: m.id, error: e.message }),
    );
  } else if (m.type === "stop") {
    stopped = true;
    Atomics.store(ctrl, LIVE, 0);
    if (wake) wake();
    Promise.resolve(current && current.client.end().catch(() => {}))
      .then(() => running)
      .then(() => post({ type: "stopped" }));
  }
});
