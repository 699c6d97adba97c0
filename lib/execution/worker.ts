import { hostname } from "node:os";
import { env } from "@/lib/env";
import { startInstance } from "@/lib/health/start-instance";
import { describeSchedules, startJobConsumers } from "@/lib/jobs/consume";
import { startLeaderLoops } from "@/lib/jobs/leader";
import { stopBoss } from "./queue";

export type TWorkerOptions = {
  /** executions this process runs at once (TOLLGATE_WORKER_CONCURRENCY) */
  concurrency?: number;
  workerId?: string;
  log?: (line: string) => void;
};

export type TWorker = { workerId: string; stop: () => Promise<void> };

/**
 * A worker: consumers for every job of the registry (lib/jobs/registry.ts) — the execute queue
 * and the recurring steps pg-boss schedules (recover interrupted tries, escalate, expire, queue
 * due work, deliver webhooks, verify audit lanes, prune rate counters) — a candidate for each
 * leader loop (the audit sealer: one worker leads) — plus its row in the registry of live
 * instances and its kill-switch LISTEN connection (lib/health/start-instance.ts): the last gate
 * before each Salesforce write reads the switches from memory.
 * Any number of workers, in any number of processes, may share one database: claims are
 * guarded, rows are locked SKIP LOCKED, the execute queue holds one waiting job per request and
 * each recurring step runs in one worker at a time.
 */
export async function startWorker(opts: TWorkerOptions = {}): Promise<TWorker> {
  const workerId = opts.workerId ?? `${hostname()}:${process.pid}`;
  const log = opts.log ?? ((l: string) => console.log(`[worker ${workerId}] ${l}`));
  const concurrency = opts.concurrency ?? env().TOLLGATE_WORKER_CONCURRENCY;
  // in the database, so /api/health sees workers in any process, and a trip waits for this one
  const instance = await startInstance({ kind: "worker", id: workerId, concurrency, log });
  const consumers = await startJobConsumers({ workerId, concurrency, log });
  // the audit sealer: one leader among all workers (lib/jobs/leader.ts)
  const leaders = startLeaderLoops({ workerId, log });
  log(`started (${concurrency} at a time); scheduled: ${describeSchedules()}`);
  return {
    workerId,
    stop: async () => {
      await leaders.stop();
      await consumers.stop();
      await instance.stop();
      // graceful: waits (up to 5 s) for the jobs this process is running
      await stopBoss();
    },
  };
}
