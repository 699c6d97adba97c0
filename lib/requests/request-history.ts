import "server-only";
import { db } from "@/lib/db";
import { AUDIT_ENTRY_SELECT } from "@/lib/audit";
import { notFound } from "@/lib/core/errors";
import { toAttemptRow, toFieldRow, toTimelineEvent } from "@/lib/execution/history-rows";
import {
  deleteAllowedFor,
  notRevertibleReason,
  openRevertBlocker,
} from "@/lib/reverts/plan-revert";

/** Events shown on one request's page; a request has a few dozen, a long retry story a few hundred. */
const EVENT_LIMIT = 1_000;

/**
 * One request's whole life for its console page: the proposal (reason, evidence, the policy
 * decision with its rule and why), each approval by name, each execution try with its
 * connector calls, before/after per field, the agent callbacks, the reverts asked for and what
 * this request reverts, and every audit event about it in any lane with its seal status.
 */
export async function getRequestHistory(id: string) {
  const ar = await db.actionRequest.findUnique({
    where: { id },
    include: {
      agent: { select: { id: true, slug: true, name: true, owner: { select: { name: true } } } },
      environment: { select: { slug: true, name: true } },
      workflowVersion: {
        select: { version: true, workflow: { select: { key: true, name: true } } },
      },
      actionType: { select: { key: true, name: true, operation: true } },
      fieldChanges: { orderBy: { field: "asc" } },
      approvals: {
        orderBy: { createdAt: "asc" },
        include: { approver: { select: { name: true } } },
      },
      attemptsLog: { orderBy: { attemptNumber: "asc" } },
      deadLetter: { include: { resolvedBy: { select: { name: true } } } },
      reversals: {
        orderBy: { createdAt: "asc" },
        include: { requestedBy: { select: { name: true } } },
      },
      requestedBy: { select: { name: true } },
    },
  });
  if (!ar) throw notFound("Action request");
  const [reverts, reverted, callbacks, events] = await Promise.all([
    db.actionRequest.findMany({
      where: { revertsId: id },
      orderBy: { createdAt: "asc" },
      select: {
        id: true,
        status: true,
        createdAt: true,
        completedAt: true,
        lastErrorMessage: true,
        requestedBy: { select: { name: true } },
        fieldChanges: { select: { field: true }, orderBy: { field: "asc" } },
      },
    }),
    ar.revertsId
      ? db.actionRequest.findUnique({
          where: { id: ar.revertsId },
          select: { id: true, status: true, actionType: { select: { name: true } } },
        })
      : null,
    db.webhookDelivery.findMany({
      where: { actionRequestId: id, kind: "agent_callback" },
      orderBy: { createdAt: "asc" },
      select: {
        id: true,
        url: true,
        status: true,
        attempts: true,
        lastError: true,
        createdAt: true,
        deliveredAt: true,
        payload: true,
      },
    }),
    db.auditEvent.findMany({
      where: { subjectType: "action_request", subjectId: id },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: EVENT_LIMIT,
      select: { ...AUDIT_ENTRY_SELECT, id: true, seq: true, lane: true, sealedAt: true },
    }),
  ]);
  return {
    request: {
      id: ar.id,
      status: ar.status,
      createdAt: ar.createdAt,
      decidedAt: ar.decidedAt,
      executedAt: ar.executedAt,
      completedAt: ar.completedAt,
      agent: { id: ar.agent.id, slug: ar.agent.slug, name: ar.agent.name },
      agentOwner: ar.agent.owner?.name ?? null,
      environment: ar.environment,
      workflow: ar.workflowVersion
        ? { ...ar.workflowVersion.workflow, version: ar.workflowVersion.version }
        : null,
      actionType: ar.actionType,
      object: ar.object,
      recordId: ar.recordId,
      resultRecordId: ar.resultRecordId,
      recordSummary: ar.recordSummary,
      requestedBy: ar.requestedBy?.name ?? null,
      attempts: ar.attempts,
      lastError: ar.lastErrorClass
        ? { errorClass: ar.lastErrorClass, code: ar.lastErrorCode, message: ar.lastErrorMessage }
        : null,
      refusal: ar.refusalCode
        ? { status: ar.refusalStatus, code: ar.refusalCode, detail: ar.refusalDetail }
        : null,
    },
    proposal: {
      reasonCode: ar.reasonCode,
      reasonText: ar.reasonText,
      evidence: ar.evidence,
      decision: {
        outcome: ar.decisionOutcome,
        mode: ar.decisionMode,
        rule: ar.decisionRule,
        reasons: ar.decisionReasons,
        approverGroup: ar.approverRole,
        requiredApprovals: ar.requiredApprovals,
        escalatedTo: ar.escalatedTo,
      },
    },
    fieldChanges: ar.fieldChanges.map((f) => ({ ...toFieldRow(f), revertedAt: f.revertedAt })),
    approvals: ar.approvals.map((a) => ({
      approver: a.approver.name,
      decision: a.decision,
      reason: a.reason,
      group: a.groupKey,
      createdAt: a.createdAt,
    })),
    attempts: ar.attemptsLog.map(toAttemptRow),
    deadLetter: ar.deadLetter
      ? {
          errorClass: ar.deadLetter.errorClass,
          errorMessage: ar.deadLetter.errorMessage,
          resolution: ar.deadLetter.resolution,
          resolvedBy: ar.deadLetter.resolvedBy?.name ?? null,
          resolutionReason: ar.deadLetter.resolutionReason,
        }
      : null,
    callbacks: callbacks.map((c) => ({
      id: c.id,
      url: c.url,
      status: c.status,
      attempts: c.attempts,
      lastError: c.lastError,
      createdAt: c.createdAt,
      deliveredAt: c.deliveredAt,
      // the status the agent was told about
      told: (c.payload as { status?: unknown } | null)?.status ?? null,
    })),
    revert: {
      /** why it cannot be reverted now, or null */
      blockedBy:
        (await openRevertBlocker(db, id)) ??
        notRevertibleReason(ar, await deleteAllowedFor(db, ar)),
      /** the request this one reverts */
      of: reverted
        ? { id: reverted.id, status: reverted.status, actionType: reverted.actionType?.name }
        : null,
      /** reverts asked for of this request, each with who asked, why and how it ended */
      requests: reverts.map((r) => {
        const reversal = ar.reversals.find(
          (v) => (v.detail as { revertRequestId?: string }).revertRequestId === r.id,
        );
        return {
          id: r.id,
          status: r.status,
          createdAt: r.createdAt,
          completedAt: r.completedAt,
          requestedBy: r.requestedBy?.name ?? null,
          reason: reversal?.reason ?? null,
          fields: r.fieldChanges.map((f) => f.field),
          error: r.lastErrorMessage,
        };
      }),
    },
    events: events.map((e) => ({
      ...toTimelineEvent(e),
      lane: e.lane,
      sealed: e.seq !== null,
    })),
  };
}
export type TRequestHistory = Awaited<ReturnType<typeof getRequestHistory>>;
