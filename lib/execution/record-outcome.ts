import "server-only";
import { Prisma, type Tx } from "@/lib/db";
import { transitionRequest, type TStatus } from "@/lib/action-requests";
import {
  auditEvent,
  requestSubject,
  writeAuditEvent,
  writeAuditEvents,
  type TAuditInput,
} from "@/lib/audit";
import type { TConnectorCall } from "@/lib/connectors/salesforce";
import { afterFailure, type TRetryPolicy } from "./retry-policy";
import type { TExecutionResult, TLoaded } from "./execution-result";
import type { TWriteOutcome } from "./write";
import { operationOf } from "./claim";
import { settleRevertConflict, settleRevertSucceeded } from "@/lib/reverts/settle-revert";

/** A request whose workers keep dying (or losing their lease) mid-try is parked after this many. */
const MAX_INTERRUPTIONS = 3;

/**
 * Each connector call of a try as an execution-lane event under the request. `late`: the try
 * had lost its lease when it came to record them, so they are all it records.
 */
export function callEvents(
  ar: TLoaded,
  attempt: number,
  log: TConnectorCall[],
  workerId: string,
  extra: { late?: true } = {},
): TAuditInput<"connector.call">[] {
  const base = requestSubject(ar.id, ar);
  return log.map((call) =>
    auditEvent({
      ...base,
      actor: { type: "system" },
      action: "connector.call",
      payload: { ...call, attempt, workerId, ...extra },
      at: new Date(call.at),
    }),
  );
}

export async function recordCalls(
  tx: Tx,
  ar: TLoaded,
  attempt: number,
  log: TConnectorCall[],
  workerId: string,
  extra: { late?: true } = {},
) {
  await writeAuditEvents(tx, callEvents(ar, attempt, log, workerId, extra));
}

/** The data-lane event of a write: before/after per field. */
export function writtenEvent(
  ar: TLoaded,
  attempt: number,
  outcome: TWriteOutcome & { kind: "written" },
): TAuditInput<"record.updated" | "record.created" | "record.deleted"> {
  return auditEvent({
    ...requestSubject(ar.id, ar),
    recordId: outcome.recordId,
    actor: { type: "system" },
    action:
      operationOf(ar) === "delete"
        ? "record.deleted"
        : ar.recordId
          ? "record.updated"
          : "record.created",
    reasonCode: ar.reasonCode,
    reasonText: ar.reasonText,
    evidence: ar.evidence,
    payload: {
      attempt,
      alreadyApplied: outcome.alreadyApplied,
      fields: ar.fieldChanges.map((f) => ({
        field: f.field,
        before: outcome.before[f.field] ?? null,
        after: outcome.after[f.field] ?? null,
      })),
    },
  });
}

/**
 * Step 3 of a try, in a short transaction whose caller has checked (and locked) that the try
 * still holds the request: what the write did — each connector call (execution lane),
 * before/after per field (data lane) and the new status; or the retry, the dead letter, the
 * return to approval.
 */
export async function recordOutcome(
  tx: Tx,
  ar: TLoaded,
  attempt: number,
  outcome: TWriteOutcome,
  log: TConnectorCall[],
  policy: TRetryPolicy,
  workerId: string,
): Promise<TExecutionResult> {
  const now = new Date();
  const worker = { type: "worker" as const, workerId };
  await recordCalls(tx, ar, attempt, log, workerId);
  if (outcome.kind === "lease_lost") {
    const r = { id: ar.id, attempts: attempt, attemptsBase: ar.attemptsBase };
    const parked = await interruptTry(tx, r, worker, log);
    return parked
      ? { outcome: "dead_lettered", detail: "interrupted too often" }
      : { outcome: "interrupted" };
  }
  const finish = (o: string, err?: { errorClass: string; code: string; message: string }) =>
    tx.executionAttempt.update({
      where: { actionRequestId_attemptNumber: { actionRequestId: ar.id, attemptNumber: attempt } },
      data: {
        finishedAt: now,
        outcome: o,
        errorClass: err?.errorClass ?? null,
        errorCode: err?.code ?? null,
        errorMessage: err?.message ?? null,
        connectorCalls: log as unknown as Prisma.InputJsonValue,
      },
    });

  if (outcome.kind === "halted") {
    await finish("halted", { errorClass: "halted", code: "KILL_SWITCH", message: outcome.message });
    await transitionRequest(tx, {
      id: ar.id,
      from: "executing",
      to: "halted",
      actor: { type: "system" },
      reason: outcome.message,
      data: { haltedAt: now },
    });
    return { outcome: "halted", detail: outcome.message };
  }

  if (outcome.kind === "written") {
    await finish("succeeded");
    for (const f of ar.fieldChanges) {
      await tx.fieldChange.update({
        where: { id: f.id },
        data: {
          appliedValue: toJson(outcome.after[f.field]),
          valueBeforeWrite: toJson(outcome.before[f.field]),
        },
      });
    }
    await writeAuditEvent(tx, writtenEvent(ar, attempt, outcome));
    await transitionRequest(tx, {
      id: ar.id,
      from: "executing",
      to: "succeeded",
      actor: worker,
      data: {
        completedAt: now,
        resultRecordId: outcome.recordId,
        after: toJson(outcome.after),
        lastErrorClass: null,
        lastErrorCode: null,
        lastErrorMessage: null,
      },
      payload: { attempt, alreadyApplied: outcome.alreadyApplied },
    });
    // a revert that succeeded: its original request is now reverted
    if (ar.revertsId) await settleRevertSucceeded(tx, ar, worker, now);
    return { outcome: "succeeded" };
  }

  if (outcome.kind === "superseded" && !ar.revertsId) {
    // field ownership: the system of record's newer value stands; no approval can change that
    const code = "SUPERSEDED_BY_SYSTEM_OF_RECORD";
    await finish("conflict", { errorClass: "conflict", code, message: outcome.message });
    await transitionRequest(tx, {
      id: ar.id,
      from: "executing",
      to: "failed",
      actor: worker,
      reason: outcome.message,
      data: {
        completedAt: now,
        lastErrorClass: "conflict",
        lastErrorCode: code,
        lastErrorMessage: outcome.message,
      },
    });
    return { outcome: "failed", detail: outcome.message };
  }

  if (outcome.kind === "conflict" || outcome.kind === "superseded") {
    const code = (outcome.kind === "conflict" && outcome.code) || "CHANGED_SINCE_APPROVAL";
    await finish("conflict", { errorClass: "conflict", code, message: outcome.message });
    if (ar.revertsId) {
      // a revert never goes back to an approver who could approve a person's edit away
      await settleRevertConflict(tx, ar, attempt, outcome.current, outcome.message, worker, now);
      return { outcome: "failed", detail: outcome.message };
    }
    await returnToApproval(tx, ar, outcome.current, outcome.message, worker, now, code);
    return { outcome: "back_to_approval", detail: outcome.message };
  }

  const err = outcome;
  await finish("failed", err);
  const next =
    err.errorClass === "internal" || err.errorClass === "outcome_unknown"
      ? ({ kind: "dead_letter", why: err.errorClass.replaceAll("_", " ") } as const)
      : afterFailure(policy, err.errorClass, attempt - ar.attemptsBase);
  const lastError = {
    lastErrorClass: err.errorClass,
    lastErrorCode: err.code,
    lastErrorMessage: err.message,
  };
  if (next.kind === "retry") {
    const at = new Date(now.getTime() + next.delayMs);
    await transitionRequest(tx, {
      id: ar.id,
      from: "executing",
      to: "retrying",
      actor: worker,
      reason: err.message,
      data: { ...lastError, nextAttemptAt: at },
      payload: {
        attempt,
        errorClass: err.errorClass,
        code: err.code,
        nextAttemptAt: at.toISOString(),
      },
    });
    return { outcome: "retrying", nextAttemptAt: at };
  }
  if (next.kind === "back_to_approval" && ar.revertsId) {
    // a revert's conditional write refused twice (the record keeps changing): it fails
    await settleRevertConflict(tx, ar, attempt, null, err.message, worker, now);
    return { outcome: "failed", detail: err.message };
  }
  if (next.kind === "back_to_approval") {
    await returnToApproval(tx, ar, null, err.message, worker, now);
    return { outcome: "back_to_approval", detail: err.message };
  }
  await deadLetter(tx, ar.id, "executing", err, next.why, worker, attempt);
  return { outcome: "dead_lettered", detail: next.why };
}

/**
 * A try that will not finish: its worker died (the sweep) or could not keep its lease long
 * enough to start its write. The try is closed as interrupted and the request goes to
 * `retrying` at once — the next try reads Salesforce before it writes — or, after
 * MAX_INTERRUPTIONS in this budget of tries, to the dead-letter queue. True when parked.
 */
export async function interruptTry(
  tx: Tx,
  r: { id: string; attempts: number; attemptsBase: number },
  actor: { type: "worker"; workerId: string },
  log: TConnectorCall[] | null,
): Promise<boolean> {
  await tx.executionAttempt.updateMany({
    where: { actionRequestId: r.id, attemptNumber: r.attempts, finishedAt: null },
    data: {
      finishedAt: new Date(),
      outcome: "interrupted",
      errorClass: "interrupted",
      errorMessage: log
        ? "The try's lease ran out before its write could start"
        : "The worker stopped during this try",
      ...(log ? { connectorCalls: log as unknown as Prisma.InputJsonValue } : {}),
    },
  });
  const interruptions = await tx.executionAttempt.count({
    // in this budget only: a person's retry starts the count again
    where: { actionRequestId: r.id, outcome: "interrupted", attemptNumber: { gt: r.attemptsBase } },
  });
  const err = {
    errorClass: "interrupted",
    code: log ? "LEASE_LOST" : "WORKER_STOPPED",
    message: log
      ? "The worker running this request could not keep its lease to write; the next try reads Salesforce before it writes"
      : "The worker running this request stopped mid-execution; the next try reads Salesforce before it writes",
  };
  if (interruptions >= MAX_INTERRUPTIONS) {
    await deadLetter(
      tx,
      r.id,
      "executing",
      err,
      `interrupted ${interruptions} times`,
      actor,
      r.attempts,
    );
    return true;
  }
  await transitionRequest(tx, {
    id: r.id,
    from: "executing",
    to: "retrying",
    actor,
    reason: err.message,
    data: {
      lastErrorClass: err.errorClass,
      lastErrorCode: err.code,
      lastErrorMessage: err.message,
      nextAttemptAt: new Date(),
    },
    payload: { attempt: r.attempts, errorClass: err.errorClass },
  });
  return false;
}

/** Park a request in the dead-letter queue (one open letter per request). */
export async function deadLetter(
  tx: Tx,
  id: string,
  from: TStatus,
  err: { errorClass: string; code: string; message: string },
  why: string,
  actor: { type: "worker"; workerId: string },
  attempt: number,
) {
  await transitionRequest(tx, {
    id,
    from,
    to: "dead_lettered",
    actor,
    reason: `${err.message} (${why})`,
    data: {
      lastErrorClass: err.errorClass,
      lastErrorCode: err.code,
      lastErrorMessage: err.message,
      completedAt: new Date(),
    },
    payload: { attempt, errorClass: err.errorClass, code: err.code, why },
  });
  const letter = {
    errorClass: err.errorClass,
    errorCode: err.code,
    errorMessage: err.message,
    createdAt: new Date(),
    resolvedAt: null,
    resolution: null,
    resolvedById: null,
    resolutionReason: null,
  };
  await tx.deadLetter.upsert({
    where: { actionRequestId: id },
    create: { actionRequestId: id, ...letter },
    update: letter,
  });
}

/**
 * A field changed in Salesforce after the approval, a person's recent edit it yields to, or an
 * approval older than its fields' freshness allows (`code`; lib/execution/field-rules.ts): the
 * request goes back to a person with the values read now as "value at approval". Earlier approvals were for the old value and
 * no longer count (they stay in the audit lane, named in this event).
 */
async function returnToApproval(
  tx: Tx,
  ar: TLoaded,
  current: Record<string, unknown> | null,
  message: string,
  actor: { type: "worker"; workerId: string },
  now: Date,
  code = "CHANGED_SINCE_APPROVAL",
) {
  if (current) {
    for (const f of ar.fieldChanges) {
      await tx.fieldChange.update({
        where: { id: f.id },
        data: { valueAtApproval: toJson(current[f.field]) },
      });
    }
  }
  const previous = await tx.approval.findMany({
    where: { actionRequestId: ar.id },
    select: { approverId: true, decision: true, createdAt: true },
  });
  await tx.approval.deleteMany({ where: { actionRequestId: ar.id } });
  const slaMs =
    ar.slaDueAt && ar.createdAt ? ar.slaDueAt.getTime() - ar.createdAt.getTime() : 4 * 3600_000;
  const onCall = ar.approverRole
    ? null
    : await tx.approverGroup.findFirst({ where: { isOnCall: true }, select: { key: true } });
  await transitionRequest(tx, {
    id: ar.id,
    from: "executing",
    to: "pending_approval",
    actor,
    reason: message,
    data: {
      approverRole: ar.approverRole ?? onCall?.key ?? null,
      requiredApprovals: Math.max(1, ar.requiredApprovals),
      decidedAt: null,
      slaDueAt: new Date(now.getTime() + slaMs),
      expiresAt: new Date(now.getTime() + 3 * 86_400_000),
      escalatedAt: null,
      escalatedTo: null,
      lastErrorClass: "conflict",
      lastErrorCode: code,
      lastErrorMessage: message,
    },
    payload: { currentValues: current, previousApprovals: previous },
  });
}

const toJson = (v: unknown) =>
  v === null || v === undefined ? Prisma.JsonNull : (v as Prisma.InputJsonValue);
