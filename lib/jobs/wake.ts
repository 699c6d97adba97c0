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

const inFlight = new Map<string, { again: boolean }>();

/**
 * Announce committed jobs on `queue`, best effort and not awaited by the producer: a notice sent
 * while the previous one for the queue is in flight is folded into one more after it.
 */
export function announceJobs(queue: string) {
  const running = inFlight.get(queue);
  if (running) {
    running.again = true;
    return;
  }
  const state = { again: false };
  inFlight.set(queue, state);
  void (async () => {
    try {
      do {
        state.again = false;
        await preparedQuery(
          Prisma.sql`select pg_notify(${JOB_WAKE_CHANNEL}::text, ${queue}::text)`,
        );
      } while (state.again);
    } catch (e) {
      console.error(
        `[jobs] could not announce ${queue} (its consumers poll):`,
        (e as Error).message,
      );
    } finally {
      inFlight.delete(queue);
    }
  })();
}
