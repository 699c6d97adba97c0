import "server-only";
import { db } from "@/lib/db";
import { env } from "@/lib/env";

/** How often a worker beats; /api/health calls a worker live for 3 × its own interval. */
const HEARTBEAT_MS = env().TOLLGATE_HEARTBEAT_MS;
/** A worker that stopped beating this long ago (a SIGKILL leaves its row) is forgotten. */
const FORGET_AFTER_MS = 60 * 60_000;

/**
 * Record that `workerId` is alive, in database time so workers and web servers on different
 * machines agree on "now". Also drops the rows of workers long gone.
 */
export async function beat(workerId: string, intervalMs: number, concurrency: number) {
  await db.$executeRaw`
    insert into "WorkerHeartbeat" ("workerId", "startedAt", "lastBeatAt", "intervalMs", "concurrency")
    values (${workerId}, now() at time zone 'UTC', now() at time zone 'UTC', ${intervalMs}, ${concurrency})
    on conflict ("workerId") do update
      set "lastBeatAt" = excluded."lastBeatAt", "intervalMs" = excluded."intervalMs",
          "concurrency" = excluded."concurrency"`;
  await db.$executeRaw`
    delete from "WorkerHeartbeat"
    where "lastBeatAt" < (now() at time zone 'UTC') - make_interval(secs => ${FORGET_AFTER_MS / 1000})`;
}

export type THeartbeat = { stop: () => Promise<void> };

/**
 * Beat now (so a worker is live as soon as it has started), then every `intervalMs`. A failed
 * beat is logged once per failure streak; the next tick tries again. `stop` removes the row,
 * so a worker that stops cleanly is not counted, while a killed one goes stale.
 */
export async function startHeartbeat(opts: {
  workerId: string;
  concurrency: number;
  intervalMs?: number;
  log?: (line: string) => void;
}): Promise<THeartbeat> {
  const intervalMs = opts.intervalMs ?? HEARTBEAT_MS;
  const log = opts.log ?? (() => {});
  await beat(opts.workerId, intervalMs, opts.concurrency);
  let failing = false;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = beat(opts.workerId, intervalMs, opts.concurrency).then(
      () => {
        if (failing) log("heartbeat recorded again");
        failing = false;
      },
      (e: Error) => {
        if (!failing) log(`heartbeat failed: ${e.message}`);
        failing = true;
      },
    );
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      await db.workerHeartbeat.deleteMany({ where: { workerId: opts.workerId } }).catch(() => {});
    },
  };
}
