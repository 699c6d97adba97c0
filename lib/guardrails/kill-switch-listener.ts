import "server-only";
import path from "node:path";
import { SHARE_ENV, Worker } from "node:worker_threads";
import { runtimeRole } from "@/lib/db/pool";
import { env, requireEnv } from "@/lib/env";
import { dispatchJobWake, JOB_WAKE_CHANNEL } from "@/lib/jobs/wake";
import {
  createSharedSwitches,
  currentEpoch,
  drained,
  fromThreadMessage,
  listenerDown,
  listenerUp,
  passesInFlight,
  readSharedSwitches,
  type TSwitchEntry,
} from "./kill-switch-state";
import { startKillSwitchTrace, type TTraceStamp } from "./kill-switch-trace";

/** Every change of a KillSwitch row is announced here on commit (migration …120000). */
export const KILL_SWITCH_CHANNEL = "tollgate_kill_switch";
/** An instance announces its acknowledgement of a trip here (payload: the change id). */
export const KILL_SWITCH_ACK_CHANNEL = "tollgate_kill_switch_ack";

/** A request or write that runs longer than this does not hold an acknowledgement forever. */
const DRAIN_LIMIT_MS = 30_000;

/**
 * The thread's script, by path from the project root: inside Next's bundle this module's own
 * location is not the source tree, and the script is plain CommonJS that needs no bundler.
 */
const THREAD_SCRIPT = path.join(process.cwd(), "lib", "guardrails", "kill-switch-thread.cjs");

type TWireEntry = Omit<TSwitchEntry, "version"> & { version: string };
type TFromThread =
  | { type: "log"; line: string }
  | { type: "up"; again: boolean }
  | { type: "down" }
  | { type: "loaded"; entries: TWireEntry[] }
  | {
      type: "notice";
      change: string | null;
      noticedAt: number;
      appliedAt: number;
      entry: TWireEntry;
    }
  | { type: "wake"; queue: string }
  | { type: "acked"; id: number; roundTripMs?: number; error?: string }
  | { type: "stopped" };

const toEntry = (w: TWireEntry): TSwitchEntry => ({ ...w, version: BigInt(w.version) });

export type TKillSwitchListener = { stop: () => Promise<void> };

/**
 * This process's one LISTEN connection for kill switches (it also carries job wake-ups:
 * lib/jobs/wake.ts), on a thread of its own (kill-switch-thread.cjs): a trip is applied the
 * moment its notice reaches the socket, whatever the main thread is busy with. On connect (and
 * every reconnect) the thread listens first, then loads every switch, then applies what arrived
 * meanwhile — so nothing committed after the LISTEN is missed and versions keep the newest
 * state. It publishes the switches into memory shared with this thread, which the gates read
 * (kill-switch-state.ts). A trip's notice (it carries a change id) is acknowledged once every
 * request or write that passed this process's gate before it has finished; the thread sends
 * the acknowledgement on its connection, never behind the pool. A dropped connection is noticed
 * (error, end, or a failed ping): the gates fall back to the database at once while it is down,
 * and it reconnects with backoff, then loads again.
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
  const trace = env().TOLLGATE_KILL_SWITCH_TRACE ? startKillSwitchTrace() : null;
  const shared = createSharedSwitches();
  readSharedSwitches(shared);
  const thread = new Worker(THREAD_SCRIPT, {
    // plain CommonJS: none of the main thread's loaders (tsx) needed
    execArgv: [],
    // DATABASE_URL is read at each (re)connect, as the process has it then
    env: SHARE_ENV,
    workerData: {
      connectionString: requireEnv("DATABASE_URL"),
      role: runtimeRole(),
      instanceId: opts.instanceId,
      killSwitchChannel: KILL_SWITCH_CHANNEL,
      ackChannel: KILL_SWITCH_ACK_CHANNEL,
      jobWakeChannel: JOB_WAKE_CHANNEL,
      shared,
    },
  });
  let up = false;
  let exited = false;
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => (readyResolve = r));
  let stoppedResolve: () => void = () => {};
  const stopped = new Promise<void>((r) => (stoppedResolve = r));
  let ackSeq = 0;
  const acks = new Map<number, (m: { roundTripMs?: number; error?: string }) => void>();

  const acknowledge = async (change: string, n: { noticedAt: number; appliedAt: number }) => {
    const stamp: TTraceStamp | null = trace?.noticed() ?? null;
    const receivedAt = performance.now();
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
    // from the notice on the socket (the thread's clock is this process's)
    const drainMs = Date.now() - n.noticedAt;
    const drainedAt = performance.now();
    const id = ++ackSeq;
    const result = await new Promise<{ roundTripMs?: number; error?: string }>((resolve) => {
      if (exited) return resolve({ error: "listener stopped" });
      acks.set(id, resolve);
      thread.postMessage({ type: "ack", id, change, drainMs, appliedAt: n.appliedAt });
    });
    if (result.error) {
      log(`could not acknowledge trip ${change}: ${result.error}`);
      return;
    }
    if (trace && stamp) {
      const round = (x: number) => Math.round(x * 100) / 100;
      trace.print({
        instanceId: opts.instanceId,
        change,
        ...stamp,
        noticedAt: n.noticedAt,
        appliedAt: n.appliedAt,
        mainAt: stamp.noticedAt,
        drainMs: round(drainedAt - receivedAt),
        ackQueuedMs: round(performance.now() - drainedAt - (result.roundTripMs ?? 0)),
        ackRoundTripMs: round(result.roundTripMs ?? 0),
      });
    }
  };

  thread.on("message", (m: TFromThread) => {
    switch (m.type) {
      case "log":
        return log(m.line);
      case "wake":
        return dispatchJobWake(m.queue);
      case "loaded":
        return fromThreadMessage(m.entries.map(toEntry), true);
      case "notice":
        fromThreadMessage([toEntry(m.entry)], false);
        if (m.change) void acknowledge(m.change, m);
        return;
      case "up":
        up = true;
        listenerUp();
        opts.onLive?.(true);
        if (m.again) log("listening again; kill switches reloaded");
        return readyResolve();
      case "down":
        if (!up) return;
        up = false;
        listenerDown();
        return opts.onLive?.(false);
      case "acked":
        acks.get(m.id)?.(m);
        acks.delete(m.id);
        return;
      case "stopped":
        return stoppedResolve();
    }
  });
  thread.on("error", (e) => log(`listener thread failed: ${e.message}`));
  thread.once("exit", () => {
    exited = true;
    // its memory is no longer kept current
    readSharedSwitches(null);
    stoppedResolve();
    readyResolve();
    for (const resolve of acks.values()) resolve({ error: "listener stopped" });
    acks.clear();
    if (up) {
      up = false;
      listenerDown();
      opts.onLive?.(false);
    }
  });

  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    ready,
    new Promise<void>((r) => (timer = setTimeout(r, opts.readyTimeoutMs ?? 3_000))),
  ]).finally(() => clearTimeout(timer));

  return {
    stop: async () => {
      trace?.stop();
      thread.postMessage({ type: "stop" });
      await stopped;
      if (up) {
        up = false;
        listenerDown();
        opts.onLive?.(false);
      }
      readSharedSwitches(null);
      await thread.terminate();
    },
  };
}
