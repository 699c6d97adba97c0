import "server-only";
import PgBoss from "pg-boss";
import { assumeRuntimeRole } from "@/lib/db/pool";
import { env, requireEnv } from "@/lib/env";

/**
 * The pg-boss queue approved work travels on. Policy `short`: at most one *waiting* job per
 * request (singletonKey), while a new one may wait even when an earlier job is still marked
 * active — which is what a SIGKILLed worker leaves behind. (`stately` would hold the request
 * back until that dead job expired.) Running a request twice is prevented by the guarded claim
 * in execute.ts, not by the queue.
 */
export const EXECUTE_QUEUE = "tollgate-execute";

export type TExecuteJob = { requestId: string };

const EXECUTE_QUEUE_OPTIONS = { name: EXECUTE_QUEUE, policy: "short", retryLimit: 0 } as const;

const holder = globalThis as unknown as { __tollgateBoss?: Promise<PgBoss> };

/**
 * This process's pg-boss, in the same database (schema `pgboss`). The web server only sends;
 * workers (lib/execution/worker.ts) also run pg-boss maintenance. Started on first use.
 */
export function getBoss(opts: { supervise?: boolean } = {}): Promise<PgBoss> {
  holder.__tollgateBoss ??= (async () => {
    const connectionString = requireEnv("DATABASE_URL");
    // as the runtime role, like the app's own pool: pg-boss hands its options to pg.Pool
    // (pg-boss/src/db.js), `onConnect` included. The owner installs and migrates pg-boss's
    // schema and the queue at migrate time (installQueue, from lib/db/admin.ts).
    const options = {
      connectionString,
      max: env().TOLLGATE_QUEUE_POOL_SIZE,
      application_name: "tollgate-queue",
      supervise: opts.supervise ?? false,
      schedule: false,
      migrate: false,
      onConnect: assumeRuntimeRole,
    };
    const boss = new PgBoss(options);
    boss.on("error", (e) => console.error("[queue]", e.message));
    await boss.start();
    if (!(await boss.getQueue(EXECUTE_QUEUE))) {
      throw new Error(`queue ${EXECUTE_QUEUE} does not exist: run migrations (npm start)`);
    }
    return boss;
  })().catch((e) => {
    holder.__tollgateBoss = undefined;
    throw e;
  });
  return holder.__tollgateBoss;
}

/**
 * Install or migrate pg-boss's schema and create the execute queue, as the database owner
 * (pg-boss creates a table per queue). Runtime pools never run DDL.
 */
export async function installQueue(connectionString: string) {
  const boss = new PgBoss({ connectionString, max: 1, supervise: false, schedule: false });
  boss.on("error", (e) => console.error("[queue install]", e.message));
  await boss.start();
  try {
    if (!(await boss.getQueue(EXECUTE_QUEUE))) {
      await boss.createQueue(EXECUTE_QUEUE, EXECUTE_QUEUE_OPTIONS).catch(async (e) => {
        if (!(await boss.getQueue(EXECUTE_QUEUE))) throw e;
      });
    }
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 5_000 });
  }
}

export async function stopBoss() {
  const p = holder.__tollgateBoss;
  holder.__tollgateBoss = undefined;
  if (p) await (await p).stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => {});
}

/**
 * Queue the request's next execution try. Safe to call twice: a request has at most one queued
 * job. Losing this call (a crash right after the commit) loses nothing either: the worker's
 * sweep re-queues every approved request it finds without a job.
 */
export async function enqueueExecution(requestId: string, startAfter?: Date) {
  const boss = await getBoss();
  return boss.send(EXECUTE_QUEUE, { requestId } satisfies TExecuteJob, {
    singletonKey: requestId,
    ...(startAfter ? { startAfter } : {}),
  });
}

/** Best effort after a commit: the sweep is the safety net, so a queue hiccup is only logged. */
export function enqueueAfterCommit(requestId: string) {
  return enqueueExecution(requestId).catch((e) =>
    console.error(`[queue] could not queue ${requestId} (the sweep will):`, e.message),
  );
}
