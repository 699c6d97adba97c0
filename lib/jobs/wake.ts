import "server-only";
import { Prisma, preparedQuery } from "@/lib/db";

/**
 * Waking a queue's consumers when work arrives, in every process: pg-boss polls an idle queue
 * (every 0.5 s for execute), so a job queued just after a poll waited for the next one. A
 * producer announces the queue on this channel once its jobs are committed; every process's
 * LISTEN connection (lib/guardrails/kill-switch-listener.ts) hands the notice to the consumers
 * registered here, which fetch at once. Polling stays as the fallback: a lost notice costs at
 * most one interval.
 */
export const JOB_WAKE_CHANNEL = "tollgate_job_wake";

const handlers = new Map<string, Set<() => void>>();

/** Call `fn` when jobs are announced on `queue`; returns the unsubscribe. */
export function onJobWake(queue: string, fn: () => void): () => void {
  const set = handlers.get(queue) ?? new Set();
  handlers.set(queue, set);
  set.add(fn);
  return () => void set.delete(fn);
}

/** A notice on JOB_WAKE_CHANNEL (its payload: the queue's name). */
export function dispatchJobWake(queue: string | undefined) {
  for (const fn of handlers.get(queue ?? "") ?? []) fn();
}

/**
 * At most one notice per queue and process this often. Under load every request queues a job;
 * each notice is a commit of its own (a WAL flush, under PostgreSQL's one lock for notifying
 * commits, which a kill switch's trip also takes), so one notice covers the jobs committed in
 * this span; a lone job is still announced at once.
 */
export const WAKE_MIN_GAP_MS = 20;

const queues = new Map<string, { pending: boolean; lastAt: number; sending: Promise<void> }>();

/**
 * Announce committed jobs on `queue`, best effort and not awaited by the producer. A notice
 * covers every job committed before it is sent: the first goes at once, and calls meanwhile
 * share one more, sent WAKE_MIN_GAP_MS after the last and never beside one in flight.
 */
export function announceJobs(queue: string) {
  let state = queues.get(queue);
  if (!state) {
    state = { pending: false, lastAt: -Infinity, sending: Promise.resolve() };
    queues.set(queue, state);
  }
  if (state.pending) return;
  state.pending = true;
  const s = state;
  const wait = s.lastAt + WAKE_MIN_GAP_MS - performance.now();
  const send = () => {
    s.sending = s.sending.then(() => {
      s.pending = false;
      s.lastAt = performance.now();
      return notify(queue);
    });
  };
  if (wait > 0) setTimeout(send, wait).unref();
  else send();
}

async function notify(queue: string) {
  try {
    await preparedQuery(Prisma.sql`select pg_notify(${JOB_WAKE_CHANNEL}::text, ${queue}::text)`);
  } catch (e) {
    console.error(`[jobs] could not announce ${queue} (its consumers poll):`, (e as Error).message);
  }
}
