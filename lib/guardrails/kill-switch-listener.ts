import "server-only";
import pg from "pg";
import { assumeRuntimeRole } from "@/lib/db/pool";
import { env, requireEnv } from "@/lib/env";
import { dispatchJobWake, JOB_WAKE_CHANNEL } from "@/lib/jobs/wake";
import {
  applySwitchChange,
  currentEpoch,
  drained,
  listenerDown,
  listenerUp,
  passesInFlight,
  replaceSwitches,
  type TSwitchEntry,
} from "./kill-switch-state";
import { startKillSwitchTrace, type TTraceStamp } from "./kill-switch-trace";

/** Every change of a KillSwitch row is announced here on commit (migration …120000). */
export const KILL_SWITCH_CHANNEL = "tollgate_kill_switch";
/** An instance announces its acknowledgement of a trip here (payload: the change id). */
export const KILL_SWITCH_ACK_CHANNEL = "tollgate_kill_switch_ack";

/** A dead connection is noticed by this ping at the latest (a dropped one at once). */
const PING_MS = 2_000;
const PING_TIMEOUT_MS = 3_000;
/** A request or write that runs longer than this does not hold an acknowledgement forever. */
const DRAIN_LIMIT_MS = 30_000;
const BACKOFF_MS = [50, 100, 250, 500, 1_000, 2_000];

type TNotice = {
  change: string | null;
  scopeKey: string;
  scope: TSwitchEntry["scope"];
  version: string;
  engaged: boolean;
  reason: string | null;
  environmentId: string | null;
  agentId: string | null;
  workflowId: string | null;
  workflowKey: string | null;
};

const LOAD_SQL = `
  select ks."scopeKey", ks.scope::text as scope, ks.version::text as version, ks.engaged,
         ks.reason, ks."environmentId", ks."agentId", ks."workflowId", w.key as "workflowKey"
  from "KillSwitch" ks left join "Workflow" w on w.id = ks."workflowId"`;

// the row and the notice in one statement, on this connection: never queued behind the pool
const ACK_SQL = `
  with a as (
    insert into "KillSwitchAck" ("changeId", "instanceId", "ackedAt", "drainMs", "appliedAt")
    values ($1, $2, clock_timestamp() at time zone 'UTC', $3, $4::timestamptz at time zone 'UTC')
    on conflict do nothing
    returning "changeId")
  select pg_notify('${KILL_SWITCH_ACK_CHANNEL}', "changeId") from a`;

const toEntry = (n: Omit<TNotice, "change">): TSwitchEntry => ({
  scopeKey: n.scopeKey,
  version: BigInt(n.version),
  engaged: n.engaged,
  scope: n.scope,
  reason: n.reason,
  environmentId: n.environmentId,
  agentId: n.agentId,
  workflowId: n.workflowId,
  workflowKey: n.workflowKey,
});

function parse(payload: string | undefined): TNotice | null {
  try {
    const n = JSON.parse(payload ?? "") as TNotice;
    return typeof n.scopeKey === "string" && typeof n.version === "string" ? n : null;
  } catch {
    return null;
  }
}

export type TKillSwitchListener = { stop: () => Promise<void> };

/** One connection; `run` queues each query behind the last (pg 8 warns on overlapping ones). */
type TConn = {
  client: pg.Client;
  run: (text: string, values?: unknown[], onSend?: () => void) => Promise<pg.QueryResult>;
  closed: Promise<void>;
  drop: () => void;
};

/**
 * This process's one LISTEN connection for kill switches (it also carries job wake-ups:
 * lib/jobs/wake.ts). On connect (and every reconnect) it
 * listens first, then loads every switch, then applies what arrived meanwhile — so nothing
 * committed after the LISTEN is missed and versions keep the newest state. Each notification
 * is applied to memory at once (kill-switch-state.ts); a trip's (it carries a change id) is
 * acknowledged once every request or write that passed this process's gate before it has
 * finished. A dropped connection is noticed (error, end, or a failed ping), the gates fall back
 * to the database while it is down, and it reconnects with backoff, then loads again.
 *
 * Resolves once the first connection is up, or after `readyTimeoutMs` (the process then starts
 * on the fallback and the listener keeps trying).
 */
export async function startKillSwitchListener(opts: {
  instanceId: string;
  log?: (line: string) => void;
  /** the connection came up and loaded (true) or went down (false) */
  onLive?: (live: boolean) => void;
  readyTimeoutMs?: number;
}): Promise<TKillSwitchListener> {
  const log = opts.log ?? ((l: string) => console.log(`[kill switches ${opts.instanceId}] ${l}`));
  let stopped = false;
  let current: TConn | null = null;
  let wake: (() => void) | null = null;
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => (readyResolve = r));

  const trace = env().TOLLGATE_KILL_SWITCH_TRACE ? startKillSwitchTrace() : null;

  type TApplied = { receivedAt: number; appliedAt: number; stamp: TTraceStamp | null };
  const acknowledge = async (conn: TConn, change: string, applied: TApplied) => {
    const { receivedAt } = applied;
    const epoch = currentEpoch();
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      drained(epoch).then(() => true),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), DRAIN_LIMIT_MS))),
    ]).finally(() => clearTimeout(timer));
    if (!inTime) {
      log(`trip ${change} not acknowledged: ${passesInFlight()} requests or writes still running`);
      return;
    }
    const drainMs = performance.now() - receivedAt;
    const sent = performance.now();
    let started = sent;
    const ok = await (current ?? conn)
      .run(
        ACK_SQL,
        [change, opts.instanceId, drainMs, new Date(applied.appliedAt).toISOString()],
        () => (started = performance.now()),
      )
      .then(
        () => true,
        (e) => log(`could not acknowledge trip ${change}: ${(e as Error).message}`),
      );
    if (ok && trace && applied.stamp) {
      const round = (x: number) => Math.round(x * 100) / 100;
      trace.print({
        instanceId: opts.instanceId,
        change,
        ...applied.stamp,
        appliedAt: applied.appliedAt,
        mainAt: applied.stamp.noticedAt,
        drainMs: round(drainMs),
        ackQueuedMs: round(started - sent),
        ackRoundTripMs: round(performance.now() - started),
      });
    }
  };

  /** Apply at once, in the notification callback; the acknowledgement follows once drained. */
  const handle = (conn: TConn, n: TNotice, stamp: TTraceStamp | null) => {
    const receivedAt = performance.now();
    applySwitchChange(toEntry(n));
    if (!n.change || !n.engaged) return;
    void acknowledge(conn, n.change, { receivedAt, appliedAt: Date.now(), stamp });
  };

  /** Connect, listen, load; resolves with the client once it is live, rejects if any step fails. */
  const connect = async (): Promise<TConn> => {
    const client = new pg.Client({
      connectionString: requireEnv("DATABASE_URL"),
      // names the connection in pg_stat_activity: which instance is listening
      application_name: `tollgate:${opts.instanceId}`.slice(0, 63),
      keepAlive: true,
    });
    let loading = true;
    const buffered: [TNotice, TTraceStamp | null][] = [];
    let closedResolve: () => void = () => {};
    const closed = new Promise<void>((r) => (closedResolve = r));
    let chain: Promise<unknown> = Promise.resolve();
    const run = (text: string, values?: unknown[], onSend?: () => void) => {
      const p = chain.then(() => {
        onSend?.();
        return client.query(text, values);
      });
      chain = p.catch(() => {});
      return p;
    };
    const conn: TConn = { client, run, closed, drop: () => closedResolve() };
    client.on("notification", (msg) => {
      if (msg.channel === JOB_WAKE_CHANNEL) return dispatchJobWake(msg.payload);
      if (msg.channel !== KILL_SWITCH_CHANNEL) return;
      const n = parse(msg.payload);
      if (!n) return;
      const stamp = trace && n.change && n.engaged ? trace.noticed() : null;
      if (loading) buffered.push([n, stamp]);
      else handle(conn, n, stamp);
    });
    client.on("error", (e) => {
      if (!stopped) log(`connection lost: ${e.message}`);
      closedResolve();
    });
    client.on("end", () => closedResolve());
    try {
      await client.connect();
      await assumeRuntimeRole(client);
      await run(`LISTEN ${KILL_SWITCH_CHANNEL}`);
      // the same connection wakes this process's job consumers (lib/jobs/wake.ts)
      await run(`LISTEN ${JOB_WAKE_CHANNEL}`);
      const { rows } = await run(LOAD_SQL);
      replaceSwitches((rows as Omit<TNotice, "change">[]).map(toEntry));
      loading = false;
      for (const [n, stamp] of buffered) handle(conn, n, stamp);
    } catch (e) {
      await client.end().catch(() => {});
      throw e;
    }
    return conn;
  };

  const ping = async (conn: TConn) => {
    let timer: NodeJS.Timeout | undefined;
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
  };

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      let conn: TConn | null = null;
      try {
        conn = await connect();
        if (stopped) {
          await conn.client.end().catch(() => {});
          break;
        }
        current = conn;
        listenerUp();
        opts.onLive?.(true);
        if (failures) log("listening again; kill switches reloaded");
        failures = 0;
        readyResolve();
        const pinger = setInterval(() => {
          ping(conn!).catch((e: Error) => {
            log(`connection lost: ${e.message}`);
            conn!.drop();
          });
        }, PING_MS);
        pinger.unref();
        await conn.closed;
        clearInterval(pinger);
      } catch (e) {
        if (!stopped && failures === 0) log(`cannot listen: ${(e as Error).message}; retrying`);
      }
      if (conn && current === conn) {
        current = null;
        listenerDown();
        opts.onLive?.(false);
        // in the background: on a dead network, end() can wait for a long time
        void conn.client.end().catch(() => {});
      }
      if (stopped) break;
      const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
      failures += 1;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, delay).unref();
      });
      wake = null;
    }
  };
  const running = loop();

  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    ready,
    new Promise<void>((r) => (timer = setTimeout(r, opts.readyTimeoutMs ?? 3_000))),
  ]).finally(() => clearTimeout(timer));

  return {
    stop: async () => {
      stopped = true;
      trace?.stop();
      wake?.();
      await current?.client.end().catch(() => {});
      await running;
    },
  };
}
