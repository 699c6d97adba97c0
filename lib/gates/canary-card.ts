import "server-only";
import { db } from "@/lib/db";
import { notFound } from "@/lib/core/errors";
import { env } from "@/lib/env";
import { STATUSES } from "@/lib/action-requests/transitions";
import { OPEN_STATUSES } from "@/lib/metrics/rollup";
import { CANARY_ALPHA, CANARY_LOOKS, LOOK_ALPHA, evaluateCanary } from "./canary";

/**
 * The workflow page's "Canary vs baseline" card: the canary rolling out now, judged as the
 * phaseGates leader judges it (lib/gates/canary.ts, at the time of the read), with when the leader
 * last evaluated it and what Tollgate will do; or, with no canary rolling out, the most recent
 * canary that was rolled back — its cohorts up to the rollback, who rolled it back and why (for
 * an automatic rollback: the failed criteria and their evidence, from the audit event).
 */
export async function getCanaryCard(workflowId: string, now = new Date()) {
  const wf = await db.workflow.findUnique({ where: { id: workflowId }, select: { id: true } });
  if (!wf) throw notFound("The workflow");
  const versions = await db.workflowVersion.findMany({
    where: { workflowId },
    orderBy: { version: "desc" },
    select: {
      id: true,
      version: true,
      status: true,
      rolloutPercent: true,
      publishedAt: true,
      createdAt: true,
      retiredAt: true,
      workflow: { select: { id: true, key: true, name: true } },
      canaryEvaluation: { select: { evaluatedAt: true, failed: true, looks: true } },
    },
  });
  const scheme = {
    alpha: CANARY_ALPHA,
    looks: [...CANARY_LOOKS],
    lookAlpha: LOOK_ALPHA,
    autoRollback: !env().TOLLGATE_CANARY_MANUAL_ONLY,
    /** the statuses a stage change counts in a cohort with (not open, not merely observed) */
    decidedStatuses: STATUSES.filter(
      (s) => !(OPEN_STATUSES as readonly string[]).includes(s) && s !== "observed",
    ),
  };
  const baselineBelow = (version: number) =>
    versions.find(
      (v) =>
        v.version < version &&
        v.rolloutPercent >= 100 &&
        (v.status === "published" || v.status === "retired"),
    ) ?? null;

  const canary = versions.find((v) => v.status === "published" && v.rolloutPercent < 100);
  if (canary) {
    const baseline =
      versions.find(
        (v) => v.status === "published" && v.rolloutPercent >= 100 && v.version < canary.version,
      ) ?? null;
    return {
      state: "canary" as const,
      scheme,
      evaluatedAt: now,
      lastEvaluatedAt: canary.canaryEvaluation?.evaluatedAt ?? null,
      evaluation: await evaluateCanary(canary, baseline, now),
      rollback: null,
    };
  }

  const event = await db.auditEvent.findFirst({
    where: {
      action: "workflow_version.rolled_back",
      subjectType: "workflow_version",
      subjectId: { in: versions.map((v) => v.id) },
    },
    orderBy: { id: "desc" },
    select: {
      subjectId: true,
      createdAt: true,
      actorType: true,
      actorUser: { select: { name: true } },
      reasonText: true,
      evidence: true,
      payload: true,
    },
  });
  const rolledBack = event && versions.find((v) => v.id === event.subjectId);
  if (!event || !rolledBack) return { state: "none" as const, scheme };
  const payload = event.payload as { baseline?: number | null };
  const baseline =
    (payload.baseline != null ? versions.find((v) => v.version === payload.baseline) : null) ??
    baselineBelow(rolledBack.version);
  const evidence = (event.evidence ?? null) as {
    failed?: { key: string; label: string; evidence: string }[];
  } | null;
  return {
    state: "rolled_back" as const,
    scheme,
    evaluatedAt: now,
    lastEvaluatedAt: rolledBack.canaryEvaluation?.evaluatedAt ?? null,
    evaluation: await evaluateCanary(rolledBack, baseline, rolledBack.retiredAt ?? event.createdAt),
    rollback: {
      at: event.createdAt,
      by: event.actorType === "system" ? "Tollgate" : (event.actorUser?.name ?? "a person"),
      automatic: event.actorType === "system",
      reason: event.reasonText,
      failed: evidence?.failed ?? [],
    },
  };
}
export type TCanaryCard = Awaited<ReturnType<typeof getCanaryCard>>;
