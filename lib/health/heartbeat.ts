import "server-only";
import { hostname } from "node:os";
import { db, type Tx } from "@/lib/db";
import { env } from "@/lib/env";

/** How often an instance beats; it counts as live for 3 × its own interval. */
const HEARTBEAT_MS = env().TOLLGATE_HEARTBEAT_MS;
/** An instance that stopped beating this long ago (a SIGKILL leaves its row) is forgotten. */
const FORGET_AFTER_MS = 60 * 60_000;

export type TInstanceKind = "web" | "worker";

export type TInstance = {
  id: string;
  kind: TInstanceKind;
  /** workers: executions at once */
  concurrency?: number | null;
  intervalMs: number;
  listening?: boolean;
};

/**
 * Record that this process is alive, in database time so processes on different machines agree
 * on "now". Also drops the rows of instances long gone.
 */
export async function beat(instance: TInstance) {
  const listening = instance.listening ?? false;
  await db.$executeRaw`
    insert into "RuntimeInstance"
      ("id", "kind", "host", "pid", "startedAt", "lastBeatAt", "intervalMs", "concurrency", "listening")
    values (${instance.id}, ${instance.kind}, ${hostname()}, ${process.pid},
            now() at time zone 'UTC', now() at time zone 'UTC', ${instance.intervalMs},
            ${instance.concurrency ?? null}, ${listening})
    on conflict ("id") do update
      set "lastBeatAt" = excluded."lastBeatAt", "intervalMs" = excluded."intervalMs",
          "concurrency" = excluded."concurrency", "listening" = excluded."listening",
          "host" = excluded."host", "pid" = excluded."pid"`;
  await db.$executeRaw`
    delete from "RuntimeInstance"
    where "lastBeatAt" < (now() at time zone 'UTC') - make_interval(secs => ${FORGET_AFTER_MS / 1000})`;
}

export type THeartbeat = {
  /** the instance's kill-switch listener came up (true) or went down (false) */
  setListening: (listening: boolean) => void;
  stop: () => Promise<void>;
};

/**
 * Beat now (so an instance is live as soon as it has started), then every `intervalMs`. A failed
 * beat is logged once per failure streak; the next tick tries again. `stop` removes the row, so
 * an instance that stops cleanly is not counted (nor waited for by a trip), while a killed one
 * goes stale.
 */
export async function startHeartbeat(opts: {
  id: string;
  kind: TInstanceKind;
  concurrency?: number;
  intervalMs?: number;
  log?: (line: string) => void;
}): Promise<THeartbeat> {
  const instance: TInstance = {
    id: opts.id,
    kind: opts.kind,
    concurrency: opts.concurrency ?? null,
    intervalMs: opts.intervalMs ?? HEARTBEAT_MS,
    listening: false,
  };
  const log = opts.log ?? (() => {});
  // a restart under the same id (a worker's WORKER_ID) starts a new row: new startedAt
  await db.runtimeInstance.deleteMany({ where: { id: opts.id } });
  await beat(instance);
  let failing = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = beat(instance).then(
      () => {
        if (failing) log("heartbeat recorded again");
        failing = false;
      },
      (e: Error) => {
        if (!failing) log(`heartbeat failed: ${e.message}`);
        failing = true;
      },
    );
  };
  const timer = setInterval(tick, instance.intervalMs);
  timer.unref();
  return {
    // written at once (health shows it) and with every beat after, so a lost write heals
    setListening: (listening) => {
      if (instance.listening === listening) return;
      instance.listening = listening;
      tick();
    },
    stop: async () => {
      clearInterval(timer);
      await running;
      await db.runtimeInstance.deleteMany({ where: { id: opts.id } }).catch(() => {});
    },
  };
}

export type TLiveInstance = {
  id: string;
  kind: TInstanceKind;
  host: string;
  pid: number;
  listening: boolean;
  startedAt: Date;
  lastBeatSecondsAgo: number;
};

/**
 * Instances whose beat is younger than 3 of their intervals, oldest first. The clock, not now():
 * a long transaction (a trip halting a long queue) must not see beats from its future.
 */
export async function liveInstances(client: Tx | typeof db = db): Promise<TLiveInstance[]> {
  return client.$queryRaw<TLiveInstance[]>`
    select "id", "kind", "host", "pid", "listening", "startedAt",
           extract(epoch from (clock_timestamp() at time zone 'UTC') - "lastBeatAt")::float8
             as "lastBeatSecondsAgo"
    from "RuntimeInstance"
    where "lastBeatAt" > (clock_timestamp() at time zone 'UTC')
                         - make_interval(secs => "intervalMs" * 3 / 1000.0)
    order by "startedAt", "id"`;
}

export type TInstanceRow = TLiveInstance & { live: boolean; concurrency: number | null };

/** Every registered instance, live or stale (stale ones are forgotten after an hour). */
export async function listInstances() {
  return db.$queryRaw<TInstanceRow[]>`
    select "id", "kind", "host", "pid", "listening", "startedAt", "concurrency",
           extract(epoch from (now() at time zone 'UTC') - "lastBeatAt")::float8 as "lastBeatSecondsAgo",
           "lastBeatAt" > (now() at time zone 'UTC') - make_interval(secs => "intervalMs" * 3 / 1000.0) as "live"
    from "RuntimeInstance"
    order by "kind" desc, "startedAt", "id"`;
}
