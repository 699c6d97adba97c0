import "server-only";
import { announceJobs } from "./wake";
import PgBoss from "pg-boss";
import { assumeRuntimeRole } from "@/lib/db/pool";
import { env, requireEnv } from "@/lib/env";
import {
  CRON_QUEUE,
  cronOf,
  JOB_NAMES,
  JOBS,
  MAINTENANCE_SECONDS,
  type TJobName,
  type TJobPayload,
} from "./registry";

const holder = globalThis as unknown as {
  __tollgateBoss?: Promise<PgBoss>;
  __tollgateBossSupervises?: boolean;
};

/**
 * This process's pg-boss, in the same database (schema `pgboss`), started on first use.
 *
 * Only workers supervise (`{ supervise: true }`, from the job consumers): they run pg-boss's
 * maintenance (expiring jobs whose worker died) and its cron monitor, and pg-boss lets one
 * process at a time do each per interval (timestamps in `pgboss.version`), so whichever workers
 * live keep the schedules going. A web process only sends jobs, so it starts pg-boss without
 * either: no maintenance queries every few seconds beside the agent API. A process that sent
 * jobs before it became a worker (a test running both) restarts its instance supervising.
 */
export async function getBoss(opts: { supervise?: boolean } = {}): Promise<PgBoss> {
  const supervise = !!opts.supervise;
  if (supervise && holder.__tollgateBoss && !holder.__tollgateBossSupervises) await stopBoss();
  if (!holder.__tollgateBoss) holder.__tollgateBossSupervises = supervise;
  holder.__tollgateBoss ??= (async () => {
    // as the runtime role, like the app's own pool: pg-boss hands its options to pg.Pool
    // (pg-boss/src/db.js), `onConnect` included. The owner installs and migrates pg-boss's
    // schema and the queues at migrate time (installQueues, from lib/db/admin.ts).
    const boss = new PgBoss({
      connectionString: requireEnv("DATABASE_URL"),
      max: env().TOLLGATE_QUEUE_POOL_SIZE,
      application_name: "tollgate-queue",
      supervise,
      maintenanceIntervalSeconds: MAINTENANCE_SECONDS,
      // recurring steps leave a finished job a second each: archive them after an hour and
      // drop the archive after half a day (pg-boss keeps 12 h and 7 days by default)
      archiveCompletedAfterSeconds: 3_600,
      deleteAfterHours: 12,
      schedule: supervise,
      migrate: false,
      onConnect: assumeRuntimeRole,
    } as PgBoss.ConstructorOptions);
    boss.on("error", (e) => console.error("[queue]", e.message));
    await boss.start();
    const missing: string[] = [];
    for (const name of JOB_NAMES) {
      if (!(await boss.getQueue(JOBS[name].queue))) missing.push(JOBS[name].queue);
    }
    if (missing.length) {
      await boss.stop({ graceful: false, wait: true, timeout: 5_000 }).catch(() => {});
      throw new Error(`queue ${missing.join(", ")} does not exist: run migrations (npm start)`);
    }
    return boss;
  })().catch((e) => {
    holder.__tollgateBoss = undefined;
    throw e;
  });
  return holder.__tollgateBoss;
}

export async function stopBoss() {
  const p = holder.__tollgateBoss;
  holder.__tollgateBoss = undefined;
  if (p) await (await p).stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => {});
}

/**
 * Install or migrate pg-boss's schema, create or update every queue of the registry (pg-boss
 * creates a table per queue) and write the recurring jobs' schedules, as the database owner.
 * Runtime pools never run DDL. Idempotent; runs after every migrate deploy.
 */
export async function installQueues(connectionString: string) {
  const boss = new PgBoss({ connectionString, max: 1, supervise: false, schedule: false });
  boss.on("error", (e) => console.error("[queue install]", e.message));
  await boss.start();
  try {
    // pg-boss's cron sends through this queue; its timekeeper would create it, but as the
    // runtime role it may not
    await createOrUpdate(boss, CRON_QUEUE, {});
    for (const name of JOB_NAMES) {
      const job = JOBS[name];
      await createOrUpdate(boss, job.queue, job.queueOptions);
      if ("schedule" in job) {
        await boss.schedule(job.queue, cronOf(job.schedule), {}, { tz: "UTC" });
      }
    }
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 5_000 });
  }
}

async function createOrUpdate(boss: PgBoss, queue: string, options: Omit<PgBoss.Queue, "name">) {
  if (await boss.getQueue(queue)) {
    await boss.updateQueue(queue, { name: queue, ...options });
    return;
  }
  // many databases on one server migrate at once in the tests; another may create it first
  await boss.createQueue(queue, { name: queue, ...options }).catch(async (e) => {
    if (!(await boss.getQueue(queue))) throw e;
  });
}

/**
 * Send one job. The payload is checked against the registry here too, so a caller's mistake
 * fails at the call, not later in a worker.
 */
export async function sendJob<N extends TJobName>(
  name: N,
  payload: TJobPayload<N>,
  options: PgBoss.SendOptions = {},
): Promise<string | null> {
  const job = JOBS[name];
  const data = job.payload.parse(payload) as object;
  const id = await (await getBoss()).send(job.queue, data, options);
  if (id && !("schedule" in job) && !options.startAfter) announceJobs(job.queue);
  return id;
}

/**
 * Send several jobs of one kind in one INSERT (pg-boss `insert`: the same singleton rules as
 * `send`, a job already waiting under a singleton key is not queued twice). Payloads are checked
 * like sendJob's.
 */
export async function sendJobs<N extends TJobName>(
  name: N,
  jobs: { payload: TJobPayload<N>; singletonKey?: string }[],
): Promise<void> {
  const job = JOBS[name];
  const rows = jobs.map((j) => ({
    name: job.queue,
    data: job.payload.parse(j.payload) as object,
    ...(j.singletonKey ? { singletonKey: j.singletonKey } : {}),
  }));
  if (!rows.length) return;
  await (await getBoss()).insert(rows);
  if (!("schedule" in job)) announceJobs(job.queue);
}
