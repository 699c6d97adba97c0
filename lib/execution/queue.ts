import "server-only";
import { coalesce } from "@/lib/core/coalesce";
import { getBoss, sendJob, sendJobs, stopBoss } from "@/lib/jobs/boss";
import { JOBS } from "@/lib/jobs/registry";

/** The pg-boss queue approved work travels on (its policy: lib/jobs/registry.ts). */
export const EXECUTE_QUEUE = JOBS.execute.queue;

export { getBoss, stopBoss };

/**
 * Queue the request's next execution try. Safe to call twice: a request has at most one queued
 * job. Losing this call (a crash right after the commit) loses nothing either: the worker's
 * sweep re-queues every approved request it finds without a job.
 */
export async function enqueueExecution(requestId: string, startAfter?: Date) {
  return sendJob(
    "execute",
    { requestId },
    { singletonKey: requestId, ...(startAfter ? { startAfter } : {}) },
  );
}

/** Requests queued while the previous INSERT is in flight go together in the next one. */
const enqueueCoalesced = coalesce<string, void>(async (_, requestIds) => {
  await sendJobs(
    "execute",
    requestIds.map((requestId) => ({ payload: { requestId }, singletonKey: requestId })),
  );
  return requestIds.map(() => undefined);
});

/**
 * Best effort after a commit: the sweep is the safety net, so a queue hiccup is only logged.
 * Approvals arriving together (bulk decisions, resumes) share one INSERT (one commit) instead of
 * one each. The agent API queues an auto-approved request's job in its own insert instead
 * (insertRequest, lib/jobs/job-insert-sql.ts).
 */
export function enqueueAfterCommit(requestId: string) {
  return enqueueCoalesced("execute", requestId).catch((e) =>
    console.error(`[queue] could not queue ${requestId} (the sweep will):`, e.message),
  );
}
