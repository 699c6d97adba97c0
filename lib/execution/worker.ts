import { hostname } from "node:os";
import { executeRequest } from "./execute";
import { EXECUTE_QUEUE, enqueueExecution, getBoss, stopBoss, type TExecuteJob } from "./queue";
import { enqueueDueRequests, escalateOverdue, expireStale, recoverInterrupted } from "./sweep";
import { deliverDueWebhooks } from "@/lib/webhooks/deliver";
import { startHeartbeat } from "@/lib/health/heartbeat";
import { verifyAuditOnSchedule } from "@/lib/audit";
import { env } from "@/lib/env";

export type TWorkerOptions = {
  /** jobs this process runs at once */
  concurrency?: number;
  workerId?: string;
  /** how often the sweep runs (due work, interrupted tries, SLA, expiry, webhooks) */
  sweepMs?: number;
  log?: (line: string) => void;
};

export type TWorker = { workerId: string; stop: () => Promise<void> };

/**
 * The execution worker: pg-boss consumers for the execute queue plus a sweep loop. Any number
 * of workers, in any number of processes, may share one database: claims are guarded, rows are
 * locked SKIP LOCKED, and the queue holds one waiting job per request.
 */
export async function startWorker(opts: TWorkerOptions = {}): Promise<TWorker> {
  const workerId = opts.workerId ?? `${hostname()}:${process.pid}`;
  const log = opts.log ?? ((l: string) => console.log(`[worker ${workerId}] ${l}`));
  const boss = await getBoss({ supervise: true });
  const concurrency = opts.concurrency ?? env().TOLLGATE_WORKER_CONCURRENCY;
  // in the database, so /api/health sees workers in any process (lib/health)
  const heartbeat = await startHeartbeat({ workerId, concurrency, log });
  const workIds: string[] = [];
  let stopped = false;
  for (let i = 0; i < concurrency; i++) {
    let workId = "";
    workId = await boss.work<TExecuteJob>(
      EXECUTE_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: 0.5 },
      async ([job]) => {
        const result = await executeRequest(job.data.requestId, { workerId });
        if (result.outcome !== "skipped") log(`${job.data.requestId}: ${result.outcome}`);
        if (result.nextAttemptAt) await enqueueExecution(job.data.requestId, result.nextAttemptAt);
        // fetch the next job at once instead of sleeping out the polling interval (pg-boss
        // otherwise caps each consumer at one job per 0.5 s); an empty queue polls as usual
        if (workId && !stopped) boss.notifyWorker(workId);
      },
    );
    workIds.push(workId);
  }
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const sweep = async () => {
    const step = async (name: string, fn: () => Promise<unknown>) => {
      try {
        const n = await fn();
        if (Array.isArray(n) ? n.length : n) log(`${name}: ${Array.isArray(n) ? n.length : n}`);
      } catch (e) {
        if (!stopped) log(`${name} failed: ${(e as Error).message}`);
      }
    };
    await step("recovered interrupted", async () => {
      const ids = await recoverInterrupted();
      for (const id of ids) await enqueueExecution(id);
      return ids;
    });
    await step("escalated", escalateOverdue);
    await step("expired", expireStale);
    await step("queued", enqueueDueRequests);
    await step("webhooks delivered", deliverDueWebhooks);
    // every TOLLGATE_AUDIT_VERIFY_MS, by whichever worker claims it; logs only broken lanes
    await step("audit lanes broken", async () =>
      (await verifyAuditOnSchedule()).filter((r) => r.broken),
    );
  };
  const loop = () => {
    if (stopped) return;
    running = sweep().finally(() => {
      if (!stopped) timer = setTimeout(loop, opts.sweepMs ?? 1_000);
    });
  };
  loop();
  log(`started (${concurrency} at a time)`);
  return {
    workerId,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const id of workIds) await boss.offWork({ id }).catch(() => {});
      await running;
      await heartbeat.stop();
      await stopBoss();
    },
  };
}
