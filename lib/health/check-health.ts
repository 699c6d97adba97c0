import "server-only";
import { db } from "@/lib/db";
import { getSealingStatus } from "@/lib/audit/sealing-status";
import { EXECUTE_QUEUE } from "@/lib/execution/queue";
import type { TConnectorErrorClass } from "@/lib/connectors/salesforce/errors";
import { env } from "@/lib/env";
import { listInstances } from "./heartbeat";

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
  | "connector_check_failed"
  | "audit_check_failed";

/**
 * What /api/health answers. Counts, ages and classes only: no instance ids or hosts (worker ids
 * hold host names), no connection URLs, no error messages — the endpoint is public. Admins see
 * each instance by name on the kill switches page.
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
  /**
   * Every registered process — web servers and workers — from the registry a kill-switch trip
   * waits on: live ones, and stale ones (stopped beating; forgotten after an hour).
   */
  instances?: {
    web: number;
    workers: number;
    /** live instances whose kill-switch LISTEN connection is down: a trip cannot reach them at once */
    notListening: number;
    list: {
      kind: string;
      status: "live" | "stale";
      listening: boolean;
      startedAt: string;
      lastBeatSecondsAgo: number;
    }[];
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
  /**
   * audit sealing (all lanes): events appended but not yet linked into their chain, the oldest
   * one's age (the sealing lag), and how long ago a seal last moved a head and a checkpoint was
   * last signed. Reported, not degrading: appends go on while the sealer is behind.
   */
  audit?: {
    unsealed: number;
    oldestUnsealedSecondsAgo: number | null;
    lastSealSecondsAgo: number | null;
    lastCheckpointSecondsAgo: number | null;
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

type TInstanceRow = Awaited<ReturnType<typeof listInstances>>[number];

function workerHealth(rows: TInstanceRow[]): NonNullable<THealth["worker"]> {
  const workers = rows.filter((r) => r.kind === "worker");
  const live = workers.filter((r) => r.live).length;
  const last = workers.length ? Math.min(...workers.map((r) => r.lastBeatSecondsAgo)) : null;
  return {
    status: live > 0 ? "ok" : workers.length > 0 ? "stale" : "none",
    live,
    lastBeatSecondsAgo: seconds(last),
  };
}

function instanceHealth(rows: TInstanceRow[]): NonNullable<THealth["instances"]> {
  const live = rows.filter((r) => r.live);
  return {
    web: live.filter((r) => r.kind === "web").length,
    workers: live.filter((r) => r.kind === "worker").length,
    notListening: live.filter((r) => !r.listening).length,
    list: rows.map((r) => ({
      kind: r.kind,
      status: r.live ? "live" : "stale",
      listening: r.listening,
      startedAt: r.startedAt.toISOString(),
      lastBeatSecondsAgo: seconds(r.lastBeatSecondsAgo)!,
    })),
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

async function auditHealth(): Promise<NonNullable<THealth["audit"]>> {
  const lanes = await getSealingStatus();
  const [now] = await db.$queryRaw<{ now: Date }[]>`select now() at time zone 'UTC' as now`;
  const ago = (dates: (Date | null | undefined)[]) => {
    const times = dates.filter((d): d is Date => !!d).map((d) => d.getTime());
    return times.length ? seconds((now.now.getTime() - Math.max(...times)) / 1000) : null;
  };
  const oldest = lanes.map((l) => l.oldestUnsealedSecondsAgo).filter((s) => s != null);
  return {
    unsealed: lanes.reduce((n, l) => n + l.unsealed, 0),
    oldestUnsealedSecondsAgo: oldest.length ? seconds(Math.max(...oldest)) : null,
    lastSealSecondsAgo: ago(lanes.map((l) => (l.headSeq > 0 ? l.lastSealAt : null))),
    lastCheckpointSecondsAgo: ago(lanes.map((l) => l.checkpoint?.at)),
  };
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
  const [instances, queue, connectors, audit] = await Promise.allSettled([
    withTimeout(listInstances()),
    withTimeout(queueHealth()),
    withTimeout(connectorHealth()),
    withTimeout(auditHealth()),
  ]);
  const problems: THealthProblem[] = [];
  const worker =
    instances.status === "fulfilled"
      ? workerHealth(instances.value)
      : ({ status: "unknown", live: 0, lastBeatSecondsAgo: null } as const);
  if (instances.status === "rejected") problems.push("worker_check_failed");
  else if (worker.status !== "ok") problems.push("no_live_worker");
  if (queue.status === "rejected") problems.push("queue_check_failed");
  if (connectors.status === "rejected") problems.push("connector_check_failed");
  if (audit.status === "rejected") problems.push("audit_check_failed");
  const body: THealth = {
    status: problems.length ? "degraded" : "ok",
    problems,
    database: { status: "ok" },
    worker,
    ...(instances.status === "fulfilled" ? { instances: instanceHealth(instances.value) } : {}),
    ...(queue.status === "fulfilled" ? { queue: queue.value } : {}),
    ...(connectors.status === "fulfilled" ? { connectors: connectors.value } : {}),
    ...(audit.status === "fulfilled" ? { audit: audit.value } : {}),
  };
  return { httpStatus: problems.length ? 503 : 200, body };
}
