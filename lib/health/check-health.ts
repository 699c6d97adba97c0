import "server-only";
import { db } from "@/lib/db";
import { EXECUTE_QUEUE } from "@/lib/execution/queue";
import type { TConnectorErrorClass } from "@/lib/connectors/salesforce/errors";
import { env } from "@/lib/env";

/** Each check gets this long; a database that does not answer in time counts as unreachable. */
const CHECK_TIMEOUT_MS = env().TOLLGATE_HEALTH_TIMEOUT_MS;

const ERROR_CLASSES: readonly TConnectorErrorClass[] = [
  "timeout",
  "rate_limited",
  "session_expired",
  "validation",
  "permission",
  "conflict",
  "not_found",
  "unavailable",
];

type THealthProblem =
  | "database_unreachable"
  | "no_live_worker"
  | "worker_check_failed"
  | "queue_check_failed"
  | "connector_check_failed";

/**
 * What /api/health answers. Counts, ages and classes only: no worker ids (they hold host
 * names), no connection URLs, no error messages — the endpoint is public.
 */
export type THealth = {
  status: "ok" | "degraded";
  problems: THealthProblem[];
  database: { status: "ok" | "unreachable" };
  worker?: {
    status: "ok" | "stale" | "none" | "unknown";
    live: number;
    /** seconds since the freshest beat of any worker, null when none ever beat */
    lastBeatSecondsAgo: number | null;
  };
  queue?: {
    /** pg-boss jobs waiting in `tollgate-execute` (null before the queue exists) */
    waiting: number | null;
    running: number | null;
    /** approved (or auto-approved) requests not executed yet, and the oldest one's age */
    approved: number;
    oldestApprovedSecondsAgo: number | null;
    retrying: number;
    executing: number;
  };
  /** per environment: its Salesforce connection's last test, and the error class if it failed */
  connectors?: {
    environment: string;
    status: string;
    errorClass: string | null;
    lastCheckedAt: string | null;
  }[];
};

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("health check timed out")), CHECK_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

const seconds = (v: number | null) => (v == null ? null : Math.round(v * 10) / 10);

async function workerHealth(): Promise<NonNullable<THealth["worker"]>> {
  const [row] = await db.$queryRaw<{ live: number; total: number; last: number | null }[]>`
    select count(*) filter (
             where "lastBeatAt" > (now() at time zone 'UTC') - make_interval(secs => "intervalMs" * 3 / 1000.0)
           )::int as live,
           count(*)::int as total,
           extract(epoch from (now() at time zone 'UTC') - max("lastBeatAt"))::float8 as last
    from "WorkerHeartbeat"`;
  return {
    status: row.live > 0 ? "ok" : row.total > 0 ? "stale" : "none",
    live: row.live,
    lastBeatSecondsAgo: seconds(row.last),
  };
}

async function queueHealth(): Promise<NonNullable<THealth["queue"]>> {
  const [backlog] = await db.$queryRaw<
    { approved: number; retrying: number; executing: number; oldest: number | null }[]
  >`
    select count(*) filter (where status in ('approved', 'auto_approved'))::int as approved,
           count(*) filter (where status = 'retrying')::int as retrying,
           count(*) filter (where status = 'executing')::int as executing,
           extract(epoch from (now() at time zone 'UTC')
             - min("updatedAt") filter (where status in ('approved', 'auto_approved')))::float8 as oldest
    from "ActionRequest"
    where status in ('approved', 'auto_approved', 'retrying', 'executing')`;
  // pg-boss's own table: read directly, so a health probe never starts a pg-boss instance
  let jobs: { waiting: number; running: number } | null = null;
  const [exists] = await db.$queryRaw<
    { t: string | null }[]
  >`select to_regclass('pgboss.job')::text as t`;
  if (exists?.t) {
    [jobs] = await db.$queryRaw<{ waiting: number; running: number }[]>`
      select count(*) filter (where state::text in ('created', 'retry'))::int as waiting,
             count(*) filter (where state::text = 'active')::int as running
      from pgboss.job where name = ${EXECUTE_QUEUE}`;
  }
  return {
    waiting: jobs?.waiting ?? null,
    running: jobs?.running ?? null,
    approved: backlog.approved,
    oldestApprovedSecondsAgo: seconds(backlog.oldest),
    retrying: backlog.retrying,
    executing: backlog.executing,
  };
}

/** `timeout: …` from a connection test → `timeout`; anything else that failed → `other`. */
function errorClassOf(status: string, lastError: string | null): string | null {
  if (status !== "error") return null;
  const prefix = lastError?.split(":", 1)[0]?.trim() ?? "";
  return (ERROR_CLASSES as readonly string[]).includes(prefix) ? prefix : "other";
}

async function connectorHealth(): Promise<NonNullable<THealth["connectors"]>> {
  const envs = await db.environment.findMany({
    select: { slug: true, sfStatus: true, sfLastError: true, sfLastCheckedAt: true },
    orderBy: { createdAt: "asc" },
  });
  return envs.map((e) => ({
    environment: e.slug,
    status: e.sfStatus,
    errorClass: errorClassOf(e.sfStatus, e.sfLastError),
    lastCheckedAt: e.sfLastCheckedAt?.toISOString() ?? null,
  }));
}

/**
 * Degraded (HTTP 503) when the database does not answer or no worker has beaten within three
 * of its intervals: requests would be accepted and approved, but nothing would execute.
 * A failing Salesforce connection is reported, not degrading: it is the remote org's state,
 * and taking Tollgate out of a load balancer would not bring it back.
 */
export async function checkHealth(): Promise<{ httpStatus: 200 | 503; body: THealth }> {
  try {
    await withTimeout(db.$queryRaw`select 1`);
  } catch {
    return {
      httpStatus: 503,
      body: {
        status: "degraded",
        problems: ["database_unreachable"],
        database: { status: "unreachable" },
      },
    };
  }
  const [worker, queue, connectors] = await Promise.allSettled([
    withTimeout(workerHealth()),
    withTimeout(queueHealth()),
    withTimeout(connectorHealth()),
  ]);
  const problems: THealthProblem[] = [];
  if (worker.status === "rejected") problems.push("worker_check_failed");
  else if (worker.value.status !== "ok") problems.push("no_live_worker");
  if (queue.status === "rejected") problems.push("queue_check_failed");
  if (connectors.status === "rejected") problems.push("connector_check_failed");
  const body: THealth = {
    status: problems.length ? "degraded" : "ok",
    problems,
    database: { status: "ok" },
    worker:
      worker.status === "fulfilled"
        ? worker.value
        : { status: "unknown", live: 0, lastBeatSecondsAgo: null },
    ...(queue.status === "fulfilled" ? { queue: queue.value } : {}),
    ...(connectors.status === "fulfilled" ? { connectors: connectors.value } : {}),
  };
  return { httpStatus: problems.length ? 503 : 200, body };
}
