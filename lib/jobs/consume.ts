import "server-only";
import type PgBoss from "pg-boss";
import { getBoss } from "./boss";
import { JOB_HANDLERS, type TJobContext } from "./handlers";
import { JOB_NAMES, JOBS, parsePayload, type TJobName } from "./registry";
import { onJobWake } from "./wake";

export type TConsumers = { stop: () => Promise<void> };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** How the registry's recurring jobs run, for the worker's first log line. */
export function describeSchedules(): string {
  return JOB_NAMES.flatMap((name) => {
    const job = JOBS[name];
    if (!("schedule" in job)) return [];
    const s = job.schedule;
    return [
      "everySeconds" in s ? `${job.queue} every ${s.everySeconds} s` : `${job.queue} ${s.cron}`,
    ];
  }).join(", ");
}

/**
 * Consume every registered job in this process: `concurrency` consumers for the execute queue,
 * one for each recurring job, and seed each sub-minute chain (a duplicate seed is dropped by
 * the queue's policy). pg-boss marks a job failed when its handler throws.
 */
export async function startJobConsumers(
  ctx: TJobContext & { concurrency: number },
): Promise<TConsumers> {
  const boss = await getBoss({ supervise: true });
  const ids: string[] = [];
  const unsubscribe: (() => void)[] = [];
  let stopped = false;
  const log = (line: string) => {
    if (!stopped) ctx.log(line);
  };

  const run = async (name: TJobName, job: PgBoss.Job<unknown>) => {
    const def = JOBS[name];
    const schedule = "schedule" in def ? def.schedule : undefined;
    // the next run of a chain is queued before this one works, so a worker that dies now
    // leaves it waiting (it starts once pg-boss expires this one)
    if (schedule && "everySeconds" in schedule) {
      await boss
        .send(def.queue, {}, { startAfter: schedule.everySeconds })
        .catch((e) =>
          log(`${def.queue}: could not queue the next run (${message(e)}); its cron restarts it`),
        );
    }
    const parsed = parsePayload(name, job.data);
    if (!parsed.ok) {
      ctx.log(`job ${job.id} not run: ${parsed.reason}`);
      throw new Error(parsed.reason);
    }
    try {
      // each handler takes its own job's payload; the map is keyed by the same name
      const handler = JOB_HANDLERS[name] as (p: unknown, c: TJobContext) => Promise<number | void>;
      const n = await handler(parsed.payload, { workerId: ctx.workerId, log });
      if (n) log(`${def.label}: ${n}`);
    } catch (e) {
      log(`${def.label} failed: ${message(e)}`);
      throw e;
    }
  };

  for (const name of JOB_NAMES) {
    const def = JOBS[name];
    const consumers = def.consumers === "concurrency" ? ctx.concurrency : 1;
    for (let i = 0; i < consumers; i++) {
      let workId = "";
      workId = await boss.work(
        def.queue,
        { batchSize: 1, pollingIntervalSeconds: def.pollingIntervalSeconds },
        async ([job]) => {
          await run(name, job);
          // on-demand queues: fetch the next job at once instead of sleeping out the polling
          // interval (pg-boss otherwise caps each consumer at one job per interval); an empty
          // queue polls as usual
          if (!("schedule" in def) && workId && !stopped) boss.notifyWorker(workId);
        },
      );
      ids.push(workId);
      // on-demand queues: fetch as soon as a producer in any process announces work (wake.ts)
      if (!("schedule" in def)) {
        unsubscribe.push(onJobWake(def.queue, () => !stopped && boss.notifyWorker(workId)));
      }
    }
    if ("schedule" in def && "everySeconds" in def.schedule) {
      await boss.send(def.queue, {}).catch((e) => log(`${def.queue}: seed failed (${message(e)})`));
    }
  }

  return {
    stop: async () => {
      stopped = true;
      for (const off of unsubscribe) off();
      for (const id of ids) await boss.offWork({ id }).catch(() => {});
    },
  };
}
