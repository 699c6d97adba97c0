import "server-only";
import { db } from "@/lib/db";
import { notFound } from "@/lib/core/errors";

/** Runs shown on the report page, newest first. */
const RUN_LIMIT = 50;
/** Findings shown for one run (the figures count them all). */
const FINDING_LIMIT = 1_000;

/** Reconciliation runs, newest first, with who asked for each and its environment's name. */
export async function listReconciliationRuns() {
  const runs = await db.reconciliationRun.findMany({
    orderBy: { startedAt: "desc" },
    take: RUN_LIMIT,
    include: {
      environment: { select: { slug: true, name: true } },
      requestedBy: { select: { name: true } },
    },
  });
  return runs.map((r) => ({
    id: r.id,
    environment: r.environment,
    windowStart: r.windowStart,
    windowEnd: r.windowEnd,
    trigger: r.trigger,
    requestedBy: r.requestedBy?.name ?? null,
    status: r.status,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    checked: r.checked,
    matched: r.matched,
    drifted: r.drifted,
    missing: r.missing,
    unreadable: r.unreadable,
    error: r.error,
    alertedAt: r.alertedAt,
  }));
}
export type TReconciliationRunRow = Awaited<ReturnType<typeof listReconciliationRuns>>[number];

/** One run's findings (drift, missing, unreadable), each with its request's agent and action. */
export async function getReconciliationRun(id: string) {
  const run = await db.reconciliationRun.findUnique({ where: { id }, select: { id: true } });
  if (!run) throw notFound("Reconciliation run");
  const findings = await db.reconciliationFinding.findMany({
    where: { runId: id },
    orderBy: [{ kind: "asc" }, { object: "asc" }, { recordId: "asc" }, { field: "asc" }],
    take: FINDING_LIMIT,
  });
  const requests = await db.actionRequest.findMany({
    where: { id: { in: [...new Set(findings.map((f) => f.actionRequestId))] } },
    select: {
      id: true,
      completedAt: true,
      agent: { select: { name: true } },
      actionType: { select: { name: true } },
      recordSummary: true,
    },
  });
  const byId = new Map(requests.map((r) => [r.id, r]));
  return {
    id,
    findings: findings.map((f) => {
      const r = byId.get(f.actionRequestId);
      return {
        id: f.id,
        kind: f.kind,
        object: f.object,
        recordId: f.recordId,
        recordName: (r?.recordSummary as { name?: string | null } | null)?.name ?? null,
        field: f.field,
        recorded: f.recorded,
        current: f.current,
        changedBy: f.changedBy,
        changedAt: f.changedAt,
        requestId: f.actionRequestId,
        agent: r?.agent.name ?? null,
        actionType: r?.actionType?.name ?? null,
        writtenAt: r?.completedAt ?? null,
      };
    }),
  };
}
export type TReconciliationRunDetail = Awaited<ReturnType<typeof getReconciliationRun>>;
