import "server-only";
import { switchTarget } from "@/lib/guardrails/write-gate";
import { db, type Prisma } from "@/lib/db";
import { AUDIT_ENTRY_SELECT } from "@/lib/audit";
import { toAttemptRow, toFieldRow, toTimelineEvent } from "./history-rows";
import { notFound } from "@/lib/core/errors";
import type { TConnectorErrorClass } from "@/lib/connectors/salesforce";
import { DEFAULT_RETRY_POLICY, mergeRetryPolicy, RETRYABLE } from "./retry-policy";

/** Enough for any real backlog; a page of thousands helps nobody decide anything. */
const LIST_LIMIT = 500;

const REQUEST_SUMMARY = {
  select: {
    id: true,
    status: true,
    object: true,
    recordId: true,
    attempts: true,
    createdAt: true,
    agent: { select: { id: true, slug: true, name: true } },
    environment: { select: { slug: true, name: true } },
    actionType: { select: { key: true, name: true } },
  },
} satisfies Prisma.ActionRequestDefaultArgs;

type TRequestSummary = Prisma.ActionRequestGetPayload<typeof REQUEST_SUMMARY>;

const summarize = (ar: TRequestSummary) => ({
  requestId: ar.id,
  status: ar.status,
  agentId: ar.agent.id,
  agent: ar.agent.slug,
  agentName: ar.agent.name,
  environment: ar.environment.slug,
  actionType: ar.actionType?.key ?? null,
  object: ar.object,
  recordId: ar.recordId,
  attempts: ar.attempts,
  requestedAt: ar.createdAt,
});

const LETTER_INCLUDE = {
  actionRequest: REQUEST_SUMMARY,
  resolvedBy: { select: { name: true } },
} satisfies Prisma.DeadLetterInclude;

function toRow(dl: Prisma.DeadLetterGetPayload<{ include: typeof LETTER_INCLUDE }>) {
  return {
    id: dl.id,
    ...summarize(dl.actionRequest),
    errorClass: dl.errorClass,
    errorCode: dl.errorCode,
    errorMessage: dl.errorMessage,
    createdAt: dl.createdAt,
    resolvedAt: dl.resolvedAt,
    resolution: dl.resolution,
    resolvedBy: dl.resolvedBy?.name ?? null,
    resolutionReason: dl.resolutionReason,
  };
}

/**
 * The dead-letter queue: open letters first, newest first, then (when asked) resolved ones,
 * newest first, with who resolved them and why.
 */
export async function listDeadLetters(opts: { includeResolved?: boolean } = {}) {
  const [open, resolved] = await Promise.all([
    db.deadLetter.findMany({
      where: { resolvedAt: null },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: LIST_LIMIT,
      include: LETTER_INCLUDE,
    }),
    opts.includeResolved
      ? db.deadLetter.findMany({
          where: { resolvedAt: { not: null } },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: LIST_LIMIT,
          include: LETTER_INCLUDE,
        })
      : [],
  ]);
  return [...open, ...resolved].map(toRow);
}
export type TDeadLetterRow = Awaited<ReturnType<typeof listDeadLetters>>[number];

/**
 * A dead-lettered request's whole story for the operator who decides what to do with it: the
 * letter, the field diff, every execution try with its connector calls, and the request's
 * execution-lane audit events in chain order. `requestId` is the action request's id.
 */
export async function getDeadLetter(requestId: string) {
  const ar = await db.actionRequest.findUnique({
    where: { id: requestId },
    select: {
      ...REQUEST_SUMMARY.select,
      reasonCode: true,
      reasonText: true,
      evidence: true,
      lastErrorClass: true,
      lastErrorCode: true,
      lastErrorMessage: true,
      deadLetter: { include: { resolvedBy: { select: { name: true } } } },
      fieldChanges: { orderBy: { field: "asc" } },
      attemptsLog: { orderBy: { attemptNumber: "asc" } },
    },
  });
  if (!ar?.deadLetter) throw notFound(`A dead letter for request ${requestId}`);
  const events = await db.auditEvent.findMany({
    where: { subjectType: "action_request", subjectId: requestId, lane: "execution" },
    // chain order; events not sealed yet (seq null) come last, in the order they were appended
    orderBy: [{ seq: { sort: "asc", nulls: "last" } }, { id: "asc" }],
    take: LIST_LIMIT,
    select: { ...AUDIT_ENTRY_SELECT, id: true, seq: true },
  });
  const dl = ar.deadLetter;
  return {
    deadLetter: toRow({ ...dl, actionRequest: ar }),
    request: {
      reasonCode: ar.reasonCode,
      reasonText: ar.reasonText,
      evidence: ar.evidence,
      lastErrorClass: ar.lastErrorClass,
      lastErrorCode: ar.lastErrorCode,
      lastErrorMessage: ar.lastErrorMessage,
    },
    fieldChanges: ar.fieldChanges.map(toFieldRow),
    attempts: ar.attemptsLog.map(toAttemptRow),
    events: events.map(toTimelineEvent),
  };
}
export type TDeadLetterDetail = Awaited<ReturnType<typeof getDeadLetter>>;

/**
 * The retry policy execution applies now (defaults overlaid with saved rows), per class, with
 * the default beside it and who saved an override when (the form's stale-edit check).
 */
export async function getEffectiveRetryPolicy() {
  const rows = await db.retryPolicy.findMany();
  const saved = new Map(rows.map((r) => [r.errorClass, r]));
  const editors = await db.user.findMany({
    where: { id: { in: rows.flatMap((r) => (r.updatedById ? [r.updatedById] : [])) } },
    select: { id: true, name: true },
  });
  const policy = mergeRetryPolicy(rows);
  return (Object.keys(policy) as TConnectorErrorClass[]).map((errorClass) => {
    const rule = policy[errorClass];
    const row = errorClass === "conflict" ? undefined : saved.get(errorClass);
    return {
      errorClass,
      ...rule,
      handling:
        errorClass === "conflict"
          ? ("back_to_approval" as const)
          : RETRYABLE.has(errorClass) && rule.maxAttempts > 1
            ? ("retried" as const)
            : ("dead_letter" as const),
      overridden: Boolean(row),
      tunable: RETRYABLE.has(errorClass),
      defaultRule: DEFAULT_RETRY_POLICY[errorClass],
      updatedAt: row?.updatedAt ?? null,
      updatedBy: editors.find((e) => e.id === row?.updatedById)?.name ?? null,
    };
  });
}
export type TRetryPolicyRow = Awaited<ReturnType<typeof getEffectiveRetryPolicy>>[number];

const SCOPE_ORDER = ["global", "environment", "agent", "workflow"] as const;

/**
 * Requests a kill switch halted, newest first, each with the engaged switch that still covers
 * it (the one `resumeHalted` would refuse on), if any. `total` counts beyond the list limit.
 */
export async function listHalted() {
  const [requests, total, switches] = await Promise.all([
    db.actionRequest.findMany({
      where: { status: "halted" },
      orderBy: [{ haltedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
      take: LIST_LIMIT,
      select: {
        ...REQUEST_SUMMARY.select,
        environmentId: true,
        agentId: true,
        haltedAt: true,
        workflowVersion: { select: { workflowId: true, workflow: { select: { key: true } } } },
      },
    }),
    db.actionRequest.count({ where: { status: "halted" } }),
    db.killSwitch.findMany({
      where: { engaged: true },
      select: {
        id: true,
        scope: true,
        environmentId: true,
        agentId: true,
        workflowId: true,
        reason: true,
        engagedAt: true,
        environment: { select: { slug: true } },
        agent: { select: { slug: true, environment: { select: { slug: true } } } },
        workflow: { select: { key: true } },
      },
    }),
  ]);
  switches.sort((a, b) => SCOPE_ORDER.indexOf(a.scope) - SCOPE_ORDER.indexOf(b.scope));
  const label = (s: (typeof switches)[number]) =>
    s.scope === "global"
      ? "global"
      : s.scope === "environment"
        ? `environment ${s.environment?.slug ?? s.environmentId}`
        : s.scope === "agent"
          ? `agent ${s.agent?.slug ?? s.agentId} (${s.agent?.environment.slug ?? "?"})`
          : `workflow ${s.workflow?.key ?? s.workflowId}`;
  return {
    total,
    requests: requests.map((ar) => {
      // a person's revert is outside its agent's and workflow's switches (switchTarget)
      const t = switchTarget(ar);
      const sw = switches.find(
        (s) =>
          s.scope === "global" ||
          (s.environmentId !== null && s.environmentId === t.environmentId) ||
          (s.agentId !== null && s.agentId === t.agentId) ||
          (s.workflowId !== null && t.workflowId !== null && s.workflowId === t.workflowId),
      );
      return {
        ...summarize(ar),
        workflow: ar.workflowVersion?.workflow.key ?? null,
        haltedAt: ar.haltedAt,
        coveredBy: sw ? { id: sw.id, scope: sw.scope, label: label(sw), reason: sw.reason } : null,
      };
    }),
  };
}
export type THaltedRequest = Awaited<ReturnType<typeof listHalted>>["requests"][number];
