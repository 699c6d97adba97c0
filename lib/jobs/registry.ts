import { z } from "zod";
import type PgBoss from "pg-boss";

/**
 * Every background job, declared once: its pg-boss queue, the payload it accepts (checked
 * when a worker picks the job up: a malformed one is failed with a log line, never run), the
 * queue's options (applied by the owner at migrate time, `installQueues`), how a process
 * consumes it, and for recurring jobs their schedule. Handlers live in `handlers.ts`, the
 * consumers in `consume.ts`.
 *
 * Recurring jobs run on pg-boss, not on timers in a process:
 * - `{ everySeconds }` — pg-boss's cron is minute-level (its timekeeper sends a scheduled job
 *   at most once a minute: `singletonSeconds: 60` in pg-boss/src/timekeeper.js, whatever a
 *   six-field cron says), so a sub-minute job is a chain of one-shot jobs: each run first sends
 *   the next with `startAfter: everySeconds`. The queue's `stately` policy allows one waiting
 *   and one running job per queue, so any number of workers in any number of processes never
 *   run a step twice at once (within a run's lease, `expireInSeconds`), and duplicate sends (every worker seeds the chain when it starts)
 *   are dropped. A minute cron on the same queue is the chain's watchdog: if a chain ever
 *   breaks (a send that failed) pg-boss restarts it within a minute. A worker that dies
 *   mid-run leaves its job active; pg-boss expires it after `expireInSeconds` (found by the
 *   maintenance every `MAINTENANCE_SECONDS`) and the waiting next run starts.
 * - `{ cron }` — pg-boss's own schedule (minute granularity), in UTC.
 *
 * Work that must run continuously in exactly one process is a leader loop instead (`LEADERS`
 * below): sealing the audit lanes.
 */

export type TJobSchedule = { everySeconds: number } | { cron: string };

export type TJobDefinition<P extends z.ZodType = z.ZodType> = {
  /** the pg-boss queue (one table per queue, created by the owner at migrate time) */
  queue: string;
  /** what one job carries; validated when a worker picks it up */
  payload: P;
  /** pg-boss queue options */
  queueOptions: Omit<PgBoss.Queue, "name">;
  /** consumers per worker process: one, or the worker's concurrency */
  consumers: "one" | "concurrency";
  /** how often an idle consumer asks for work */
  pollingIntervalSeconds: number;
  schedule?: TJobSchedule;
  /** what the worker's log calls it */
  label: string;
};

/** Recurring jobs carry nothing: what to do is read from the database when they run. */
export const ZTick = z.object({}).strict();

/**
 * How often pg-boss's maintenance fails jobs whose worker died (once past their expiry). One
 * process per interval runs it (pg-boss keeps the time in `pgboss.version`).
 */
export const MAINTENANCE_SECONDS = 2;

/**
 * How long a one-second step's run may take before pg-boss presumes its worker dead, fails it
 * and lets the next run start: what a crash holds a step back (plus the maintenance interval).
 * A live run that is merely slow (waiting for a pool connection while its process writes to
 * Salesforce) may then overlap the next; every step is safe to overlap (rows are claimed
 * SKIP LOCKED or leased), the lease only keeps them from piling up.
 */
export const LEASE_SECONDS = 5;

const tick = (
  queue: string,
  label: string,
  schedule: TJobSchedule,
  expireInSeconds: number,
): TJobDefinition<typeof ZTick> & { schedule: TJobSchedule } => ({
  queue,
  payload: ZTick,
  queueOptions: { policy: "stately", retryLimit: 0, expireInSeconds },
  consumers: "one",
  pollingIntervalSeconds:
    "everySeconds" in schedule ? Math.max(0.5, Math.min(5, schedule.everySeconds / 2)) : 10,
  schedule,
  label,
});

export const JOBS = {
  /**
   * Run one approved request (lib/execution). Policy `short`: at most one *waiting* job per
   * request (singletonKey), while a new one may wait even when an earlier job is still marked
   * active — which is what a SIGKILLed worker leaves behind (`stately` would hold the request
   * back until that dead job expired). Running a request twice is prevented by the guarded
   * claim, not by the queue.
   */
  execute: {
    queue: "tollgate-execute",
    payload: z.object({ requestId: z.string().min(1) }).strict(),
    queueOptions: { policy: "short", retryLimit: 0 },
    consumers: "concurrency",
    pollingIntervalSeconds: 0.5,
    label: "execute",
  },
  /** `executing` rows whose lease ran out (their worker died) go back to `retrying` */
  recoverInterrupted: tick(
    "tollgate-recover-interrupted",
    "recovered interrupted",
    { everySeconds: 1 },
    LEASE_SECONDS,
  ),
  /** overdue approvals escalate to on-call (and queue its webhook) */
  escalateOverdue: tick(
    "tollgate-escalate-overdue",
    "escalated",
    { everySeconds: 1 },
    LEASE_SECONDS,
  ),
  /** undecided requests past their expiry are expired */
  expireStale: tick("tollgate-expire-stale", "expired", { everySeconds: 1 }, LEASE_SECONDS),
  /** approved work and due retries without a queued job get one (a lost send, a restart) */
  enqueueDue: tick("tollgate-enqueue-due", "queued", { everySeconds: 1 }, LEASE_SECONDS),
  /** due webhook deliveries (callbacks, escalations, audit alerts) are posted */
  deliverWebhooks: tick(
    "tollgate-deliver-webhooks",
    "webhooks delivered",
    { everySeconds: 1 },
    LEASE_SECONDS,
  ),
  /**
   * workflow canaries rolled back in the last few minutes (lib/workflows/sweep-rolled-back.ts):
   * work an instance routed to one while its configuration cache still held it (up to
   * CONFIG_TTL_MS after the rollback) is halted or expired as the rollback's own was; the
   * rollback's HTTP request does not wait for that second
   */
  sweepRolledBackCanaries: tick(
    "tollgate-sweep-rolled-back-canaries",
    "late canary requests stopped",
    { everySeconds: 1 },
    LEASE_SECONDS,
  ),
  /** audit lanes whose verification is due (TOLLGATE_AUDIT_VERIFY_MS) are verified */
  verifyAudit: tick("tollgate-verify-audit", "audit lanes broken", { everySeconds: 30 }, 300),
  /** rate-limit windows nobody reads any more are deleted */
  pruneRateCounters: tick(
    "tollgate-prune-rate-counters",
    "rate counters pruned",
    { cron: "*/10 * * * *" },
    300,
  ),
  /**
   * every environment with a Salesforce connection: the fields Tollgate wrote in the last
   * TOLLGATE_RECONCILE_WINDOW_HOURS read back and compared (lib/reconcile); a person's "Run now"
   * runs the same service at once
   */
  reconcile: tick("tollgate-reconcile", "drifted fields found", { cron: "17 * * * *" }, 1800),
  /**
   * running bulk backouts (lib/backouts) advance: the next records' reverts are queued (a few
   * hundred at a time, as room frees up), and a backout with nothing left is finished
   */
  backouts: tick("tollgate-backouts", "backout reverts queued", { everySeconds: 1 }, LEASE_SECONDS),
  /**
   * the metrics' hourly rollups (lib/metrics): the (hour, agent) pairs changed requests marked
   * are recomputed, so the dashboard follows within seconds without scanning the requests
   */
  metricsRollup: tick(
    "tollgate-metrics-rollup",
    "metric hours recomputed",
    { everySeconds: 2 },
    LEASE_SECONDS,
  ),
  /**
   * every agent × action type with requests in the last window is scored against its own
   * baseline (lib/anomalies): reads the window's requests and 17 rollup hours per pair
   */
  detectAnomalies: tick("tollgate-detect-anomalies", "anomalies opened", { everySeconds: 30 }, 120),
  /**
   * the weekly digest of the week that ended (Monday 07:00 UTC): each agent's figures and the
   * exception queue, to the digest group's signed webhook; once per week (lib/anomalies/digest.ts)
   */
  weeklyDigest: tick("tollgate-weekly-digest", "digests sent", { cron: "0 7 * * 1" }, 600),
} as const satisfies Record<string, TJobDefinition>;

/**
 * A leader loop: one step run every `everyMs` by exactly one worker process at a time, with no
 * queue in between (a sub-second cadence a pg-boss chain cannot keep). Every worker runs a
 * candidate (lib/jobs/leader.ts) on a connection of its own; the one whose session-level
 * `pg_try_advisory_lock` on `lock` succeeds leads, and keeps the lock as long as its connection
 * lives. The others ask again every `retryMs`: when the leader dies — even by SIGKILL, its
 * connection drops and the server releases the lock — one of them takes over within that time.
 * A step must be safe if two ever overlapped (the lock is an economy, not the guard).
 */
export type TLeaderDefinition = {
  /** the advisory lock's name: pg_try_advisory_lock(hashtext('tollgate'), hashtext(lock)) */
  lock: string;
  /** pause between two steps of the leader */
  everyMs: number;
  /** how often a follower asks for the lock */
  retryMs: number;
  /** what the worker's log calls it (with the count the steps returned, every LEADER_LOG_MS) */
  label: string;
};

export const LEADERS = {
  /**
   * Link committed audit events into their lanes' hash chains (up to 5,000 per lane per step)
   * and sign a checkpoint of each lane whose head moved, about every second (lib/audit/seal.ts)
   */
  sealAudit: { lock: "audit-sealer", everyMs: 200, retryMs: 500, label: "audit events sealed" },
  /**
   * Phase gates (lib/gates/run-phase-gates.ts): incidents opened from reconciliation drift and
   * dead-letter bursts, agents in execute phase that breach their criteria demoted (when their
   * criteria say so), failed workflow canaries rolled back
   */
  phaseGates: {
    lock: "phase-gates",
    everyMs: 15_000,
    retryMs: 1_000,
    label: "incidents opened, agents demoted, canaries rolled back",
  },
} as const satisfies Record<string, TLeaderDefinition>;

export type TLeaderName = keyof typeof LEADERS;
export const LEADER_NAMES = Object.keys(LEADERS) as TLeaderName[];

/** How often a leader's log line sums up what its steps did. */
export const LEADER_LOG_MS = 60_000;

export type TJobName = keyof typeof JOBS;
export type TJobPayload<N extends TJobName> = z.infer<(typeof JOBS)[N]["payload"]>;

export const JOB_NAMES = Object.keys(JOBS) as TJobName[];

/** The queue pg-boss's cron sends through (pg-boss/src/timekeeper.js); created with ours. */
export const CRON_QUEUE = "__pgboss__send-it";

/** The pg-boss cron for a recurring job: its own schedule, or the minute watchdog of a chain. */
export function cronOf(schedule: TJobSchedule): string {
  return "cron" in schedule ? schedule.cron : "* * * * *";
}

/**
 * Check a picked-up job's payload. Returns the parsed payload, or a one-line reason naming the
 * queue, the job and each bad field.
 */
export function parsePayload<N extends TJobName>(
  name: N,
  data: unknown,
): { ok: true; payload: TJobPayload<N> } | { ok: false; reason: string } {
  const parsed = JOBS[name].payload.safeParse(data);
  if (parsed.success) return { ok: true, payload: parsed.data as TJobPayload<N> };
  const fields = parsed.error.issues
    .map((i) => `${i.path.length ? i.path.join(".") : "(payload)"}: ${i.message}`)
    .join("; ");
  return { ok: false, reason: `malformed payload for ${JOBS[name].queue} (${fields})` };
}
