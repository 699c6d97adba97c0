import "server-only";
import { db } from "@/lib/db";
import { AUDIT_ENTRY_SELECT, contextOf } from "@/lib/audit";
import { can, type TCurrentUser } from "@/lib/auth";
import { AppError, notFound } from "@/lib/core/errors";
import { connectorFor } from "@/lib/environments";
import { ConnectorError, publicErrorMessage } from "@/lib/connectors/salesforce";
import { readRecordSummary } from "@/lib/agent-api/record-summary";
import { inboxScope, listSelect, toItem, type TListRow } from "./inbox";

/**
 * One request as an approver reviews it: the diff with the value in Salesforce read now, the
 * value when proposed and the proposed value; reason and evidence; the rule that asked for a
 * person and what it requires; who decided so far.
 */
export async function getInboxItem(user: TCurrentUser, id: string) {
  if (!can(user.roles, "inbox:read")) throw new AppError("forbidden", "Your role has no inbox");
  const r = await db.actionRequest.findFirst({
    where: { AND: [{ id }, inboxScope(user)] },
    select: {
      ...listSelect,
      decisionReasons: true,
      environmentId: true,
      actionTypeId: true,
      lastErrorMessage: true,
      lastErrorCode: true,
      escalatedAt: true,
      decidedAt: true,
      executedAt: true,
      completedAt: true,
      resultRecordId: true,
      agent: {
        select: { slug: true, name: true, ownerId: true, owner: { select: { name: true } } },
      },
      fieldChanges: {
        select: { field: true, oldValue: true, newValue: true, valueAtApproval: true },
      },
      approvals: {
        select: {
          approverId: true,
          decision: true,
          reason: true,
          createdAt: true,
          approver: { select: { name: true } },
        },
        orderBy: { createdAt: "asc" },
      },
    },
  });
  if (!r) throw notFound("Action request");
  const rule = r.actionTypeId
    ? await db.policyRule.findFirst({
        where: { actionTypeId: r.actionTypeId, matrixVersion: { status: "active" } },
        select: {
          mode: true,
          approverRole: true,
          requiredApprovals: true,
          slaMinutes: true,
          loggingRequired: true,
          reversible: true,
          rollbackPlan: true,
          conditions: true,
          matrixVersion: { select: { version: true } },
        },
      })
    : null;
  const fields = r.fieldChanges.map((f) => f.field);
  let current: Record<string, unknown> | null = null;
  let currentError: string | null = null;
  let recordNow: Awaited<ReturnType<typeof readRecordSummary>> = null;
  const readAt = new Date();
  const recordId = r.recordId ?? r.resultRecordId;
  const [history] = await Promise.all([
    requestHistory(id),
    (async () => {
      if (!recordId) return;
      try {
        const env = await db.environment.findUniqueOrThrow({ where: { id: r.environmentId } });
        const sf = await connectorFor(env);
        // the record's name, account, amount, stage and owner now: best effort, beside the diff
        const summary = readRecordSummary(sf, r.object, recordId).catch(() => null);
        if (r.recordId && fields.length) {
          const { record } = await sf.read(r.object, r.recordId, fields);
          current = Object.fromEntries(fields.map((f) => [f, record[f] ?? null]));
        }
        recordNow = await summary;
      } catch (e) {
        const words =
          e instanceof ConnectorError
            ? publicErrorMessage(e.errorClass, e.message)
            : publicErrorMessage("internal", null);
        currentError = `Could not read the record from Salesforce now: ${words}`;
      }
    })(),
  ]);
  const item = toItem(r as unknown as TListRow, user);
  return {
    ...item,
    revertAsked: item.revert ? await revertAsked(item.revert.of, id) : null,
    agentOwner: r.agent.owner.name,
    ownedByMe: r.agent.ownerId === user.id,
    reasons: r.decisionReasons,
    evidence: (Array.isArray(r.evidence) ? r.evidence : []) as { type: string; ref: string }[],
    escalatedAt: r.escalatedAt?.toISOString() ?? null,
    lastErrorMessage: r.lastErrorMessage,
    rule: {
      key: r.decisionRule,
      matrixVersion: rule?.matrixVersion.version ?? null,
      slaMinutes: rule?.slaMinutes ?? null,
      loggingRequired: rule?.loggingRequired ?? null,
      reversible: rule?.reversible ?? null,
      rollbackPlan: rule?.rollbackPlan ?? null,
    },
    decisions: r.approvals.map((a) => ({
      by: a.approver.name,
      mine: a.approverId === user.id,
      decision: a.decision,
      reason: a.reason,
      at: a.createdAt.toISOString(),
    })),
    currentReadAt: current || recordNow ? readAt.toISOString() : null,
    currentError,
    /** the record's summary read now (the list shows the one taken at ingest) */
    recordNow: recordNow as Awaited<ReturnType<typeof readRecordSummary>>,
    /** when it stopped waiting and what became of it (a request opened by link) */
    decidedAt: r.decidedAt?.toISOString() ?? null,
    executedAt: r.executedAt?.toISOString() ?? null,
    completedAt: r.completedAt?.toISOString() ?? null,
    resultRecordId: r.resultRecordId,
    lastErrorCode: r.lastErrorCode,
    history,
    diff: r.fieldChanges.map((f) => ({
      field: f.field,
      whenProposed: f.oldValue,
      proposed: f.newValue,
      /** what an approver saw when the request came back after a conflict */
      atLastApproval: f.valueAtApproval,
      current: current ? (current[f.field] ?? null) : undefined,
    })),
  };
}
export type TInboxDetail = Awaited<ReturnType<typeof getInboxItem>>;

/** The request's lifecycle as its audit trail records it: what happened, who, when. */
async function requestHistory(id: string) {
  const events = await db.auditEvent.findMany({
    where: { subjectType: "action_request", subjectId: id },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: 50,
    select: AUDIT_ENTRY_SELECT,
  });
  return events.map((e) => ({
    action: e.action,
    by: e.actorUser?.name ?? e.actorAgent?.slug ?? e.actorType,
    at: e.createdAt.toISOString(),
    reason: e.reasonText,
    // where a person's action came from (console actions only)
    context: contextOf(e.payload),
  }));
}

/**
 * For a revert: who asked for it and why, and — where they chose to overwrite a change made in
 * Salesforce since Tollgate's write (for a delete: the record was edited after its create) —
 * their reason for that, as the approver must read it.
 */
async function revertAsked(originalId: string, revertId: string) {
  const reversals = await db.reversal.findMany({
    where: { actionRequestId: originalId },
    select: { reason: true, detail: true, requestedBy: { select: { name: true } } },
    orderBy: { createdAt: "desc" },
  });
  const mine = reversals.find(
    (v) => (v.detail as { revertRequestId?: string } | null)?.revertRequestId === revertId,
  );
  if (!mine) return null;
  const detail = mine.detail as { overwriteReason?: string | null } | null;
  return {
    by: mine.requestedBy?.name ?? null,
    reason: mine.reason,
    /** set when the person chose to overwrite (or delete) despite a later change */
    overwriteReason: detail?.overwriteReason ?? null,
  };
}
