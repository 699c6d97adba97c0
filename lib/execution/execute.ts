import { db, Prisma, type Tx } from "@/lib/db";
import { lockActionRequest, transitionRequest, type TStatus } from "@/lib/action-requests";
import { writeAuditEvent } from "@/lib/audit";
import { connectorFor } from "@/lib/environments";
import {
  ConnectorError,
  type SalesforceConnector,
  type TConnectorCall,
  type TConnectorErrorClass,
} from "@/lib/connectors/salesforce";
import { afterFailure, mergeRetryPolicy, type TRetryPolicy } from "./retry-policy";
import { sameValue } from "./values";
import { engagedSwitchFor } from "./kill-check";
import { recordClaimFailure } from "./claim-failure";

export type TExecutionOutcome =
  | "succeeded"
  | "retrying"
  | "dead_lettered"
  | "back_to_approval"
  | "halted"
  | "postponed"
  | "claim_failed"
  | "skipped";

export type TExecutionResult = {
  outcome: TExecutionOutcome;
  /** when the next try may start (retrying, postponed) */
  nextAttemptAt?: Date;
  detail?: string;
};

export const RUNNABLE: readonly TStatus[] = ["approved", "auto_approved", "retrying"];
/** Stop calling Salesforce when the org has used this share of its daily API allowance. */
const API_USAGE_CEILING = 0.98;
const API_LIMIT_PAUSE_MS = 15 * 60_000;

type TLoaded = Awaited<ReturnType<typeof loadForExecution>>;

async function loadForExecution(tx: Tx, id: string) {
  return tx.actionRequest.findUnique({
    where: { id },
    include: {
      fieldChanges: true,
      actionType: { select: { key: true, operation: true } },
      workflowVersion: { select: { workflowId: true } },
      environment: true,
    },
  });
}

async function retryPolicy(): Promise<TRetryPolicy> {
  return mergeRetryPolicy(await db.retryPolicy.findMany());
}

/**
 * One execution try of an approved request, as a pg-boss job runs it. Three steps:
 *
 * 1. Claim (short transaction): a guarded move to `executing` that only one worker can win,
 *    after the last kill-switch check and the API-usage check; an ExecutionAttempt row.
 * 2. Write (one transaction that holds the request's row lock for the Salesforce calls): read
 *    the record, compare with the value the approver saw, write with If-Unmodified-Since, read
 *    back. A worker that dies here releases the lock with its connection, which is how the
 *    sweep (recover.ts) tells a dead worker from a slow one.
 * 3. Record, in that same transaction: before/after per field (data lane), each connector call
 *    (execution lane), the new status; or the retry / dead letter / return to approval.
 */
export async function executeRequest(
  requestId: string,
  opts: { workerId: string; connector?: SalesforceConnector },
): Promise<TExecutionResult> {
  let claim;
  try {
    claim = await claimTry(requestId, opts.workerId);
  } catch (e) {
    // a claim that keeps failing must not loop forever: counted, backed off, then dead-lettered
    return recordClaimFailure(requestId, e, opts.workerId);
  }
  if (claim.outcome !== "claimed") return claim;
  return runAttempt(requestId, claim.attempt, claim.interrupted, opts);
}

/** Step 1: the guarded claim, in its own short transaction. */
async function claimTry(requestId: string, workerId: string) {
  return db.$transaction(async (tx) => {
    await lockActionRequest(tx, requestId);
    const ar = await loadForExecution(tx, requestId);
    if (!ar || !RUNNABLE.includes(ar.status as TStatus)) return { outcome: "skipped" as const };
    const now = new Date();
    if (ar.nextAttemptAt && ar.nextAttemptAt > now) return { outcome: "skipped" as const };
    const from = ar.status as TStatus;
    const sw = await engagedSwitchFor(tx, ar);
    if (sw) {
      if (from === "retrying" || from === "approved" || from === "auto_approved") {
        await transitionRequest(tx, {
          id: requestId,
          from,
          to: "halted",
          actor: { type: "system" },
          reason: `Kill switch (${sw.scope}) engaged: ${sw.reason ?? "no reason given"}`,
          data: { haltedAt: now },
        });
      }
      return { outcome: "halted" as const };
    }
    const env = ar.environment;
    if (
      env.sfApiUsageLimit &&
      env.sfApiUsageUsed != null &&
      env.sfApiUsageUpdatedAt &&
      env.sfApiUsageUpdatedAt.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) &&
      env.sfApiUsageUsed >= env.sfApiUsageLimit * API_USAGE_CEILING
    ) {
      const next = new Date(now.getTime() + API_LIMIT_PAUSE_MS);
      await tx.actionRequest.update({ where: { id: requestId }, data: { nextAttemptAt: next } });
      await writeAuditEvent(tx, {
        lane: "execution",
        actor: { type: "system" },
        action: "execution.postponed",
        subjectType: "action_request",
        subjectId: requestId,
        environmentId: ar.environmentId,
        object: ar.object,
        recordId: ar.recordId,
        reasonText: `Salesforce API usage is at ${env.sfApiUsageUsed}/${env.sfApiUsageLimit} today`,
        payload: { nextAttemptAt: next.toISOString(), workerId },
      });
      return { outcome: "postponed" as const, nextAttemptAt: next };
    }
    // Try numbers only ever grow (unique per request): a person's retry starts a fresh budget
    // at attemptsBase instead of resetting them (migration 20261202000600 healed older rows)
    const attempt = ar.attempts + 1;
    await transitionRequest(tx, {
      id: requestId,
      from,
      to: "executing",
      actor: { type: "worker", workerId },
      data: { attempts: attempt, executedAt: now, nextAttemptAt: null, claimFailures: 0 },
      payload: { attempt },
    });
    await tx.executionAttempt.create({
      data: { actionRequestId: requestId, attemptNumber: attempt, workerId },
    });
    return {
      outcome: "claimed" as const,
      attempt,
      interrupted: ar.lastErrorClass === "interrupted",
    };
  });
}

type TFieldRow = { field: string; expected: unknown; proposed: unknown };

async function runAttempt(
  requestId: string,
  attempt: number,
  afterInterruption: boolean,
  opts: { workerId: string; connector?: SalesforceConnector },
): Promise<TExecutionResult> {
  const policy = await retryPolicy();
  return db.$transaction(
    async (tx) => {
      const [mine] = await tx.$queryRaw<{ id: string }[]>`
        select id from "ActionRequest"
        where id = ${requestId} and status = 'executing' and attempts = ${attempt} for update`;
      if (!mine) return { outcome: "skipped" as const, detail: "another worker took over" };
      const ar = (await loadForExecution(tx, requestId))!;
      const log: TConnectorCall[] = [];
      const fields: TFieldRow[] = ar.fieldChanges.map((f) => ({
        field: f.field,
        expected: f.valueAtApproval ?? f.oldValue ?? null,
        proposed: f.newValue ?? null,
      }));
      const values = Object.fromEntries(fields.map((f) => [f.field, f.proposed]));
      let outcome: TWriteOutcome;
      try {
        const sf = opts.connector ?? (await connectorFor(ar.environment));
        outcome = await write(sf, ar, fields, values, log, afterInterruption);
      } catch (e) {
        outcome = failureOf(e);
      }
      return record(tx, ar, attempt, outcome, log, policy, opts.workerId);
    },
    { maxWait: 10_000, timeout: 180_000 },
  );
}

type TWriteOutcome =
  | {
      kind: "written";
      recordId: string;
      before: Record<string, unknown>;
      after: Record<string, unknown>;
      /** the values were already there: nothing was written this time */
      alreadyApplied: boolean;
    }
  | { kind: "conflict"; current: Record<string, unknown>; message: string }
  | {
      kind: "error";
      errorClass: TConnectorErrorClass | "internal" | "outcome_unknown";
      code: string;
      message: string;
    };

function failureOf(e: unknown): TWriteOutcome {
  if (e instanceof ConnectorError) {
    return { kind: "error", errorClass: e.errorClass, code: e.code, message: e.message };
  }
  const err = e as { code?: string; message?: string };
  if (err?.code === "connection_not_configured") {
    return { kind: "error", errorClass: "permission", code: err.code, message: err.message ?? "" };
  }
  console.error("[execution] unexpected error", e);
  return {
    kind: "error",
    errorClass: "internal",
    code: "INTERNAL",
    message: err?.message ?? String(e),
  };
}

const pick = (rec: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, rec[n] ?? null]));

async function write(
  sf: SalesforceConnector,
  ar: NonNullable<TLoaded>,
  fields: TFieldRow[],
  values: Record<string, unknown>,
  log: TConnectorCall[],
  afterInterruption: boolean,
): Promise<TWriteOutcome> {
  const names = fields.map((f) => f.field);
  const op = ar.actionType?.operation ?? (ar.recordId ? "update" : "create");
  if (op === "create") {
    if (afterInterruption) {
      // A create cannot be matched to its record by reading; never risk a duplicate.
      return {
        kind: "error",
        errorClass: "outcome_unknown",
        code: "INTERRUPTED_CREATE",
        message:
          "The worker stopped while this create was in flight. Check Salesforce for the record before retrying.",
      };
    }
    const { id } = await sf.create(ar.object, values, { log });
    const back = await sf.read(ar.object, id, names, { log });
    return {
      kind: "written",
      recordId: id,
      before: Object.fromEntries(names.map((n) => [n, null])),
      after: pick(back.record, names),
      alreadyApplied: false,
    };
  }
  if (op !== "update" || !ar.recordId) {
    return {
      kind: "error",
      errorClass: "validation",
      code: "UNSUPPORTED_OPERATION",
      message: `Tollgate does not execute "${op}" actions yet (${ar.actionType?.key ?? ar.object}); do it in Salesforce and discard this request`,
    };
  }
  const recordId = ar.recordId;
  for (let round = 0; ; round++) {
    const { record, lastModified } = await sf.read(ar.object, recordId, names, { log });
    const current = pick(record, names);
    const changedByOthers = fields.filter(
      (f) => !sameValue(current[f.field], f.expected) && !sameValue(current[f.field], f.proposed),
    );
    if (changedByOthers.length) {
      return {
        kind: "conflict",
        current,
        message: `Changed in Salesforce since it was approved: ${changedByOthers
          .map((f) => `${f.field} is now ${JSON.stringify(current[f.field])}`)
          .join(", ")}`,
      };
    }
    const pending = fields.filter((f) => !sameValue(current[f.field], f.proposed));
    if (pending.length === 0) {
      return { kind: "written", recordId, before: current, after: current, alreadyApplied: true };
    }
    try {
      await sf.update(
        ar.object,
        recordId,
        Object.fromEntries(pending.map((f) => [f.field, f.proposed])),
        { ifUnmodifiedSince: lastModified, log },
      );
    } catch (e) {
      // 412: the record changed after our read. Read again; only our fields matter.
      if (e instanceof ConnectorError && e.errorClass === "conflict" && round === 0) continue;
      throw e;
    }
    const back = await sf.read(ar.object, recordId, names, { log });
    return {
      kind: "written",
      recordId,
      before: current,
      after: pick(back.record, names),
      alreadyApplied: false,
    };
  }
}

async function record(
  tx: Tx,
  ar: NonNullable<TLoaded>,
  attempt: number,
  outcome: TWriteOutcome,
  log: TConnectorCall[],
  policy: TRetryPolicy,
  workerId: string,
): Promise<TExecutionResult> {
  const now = new Date();
  const worker = { type: "worker" as const, workerId };
  const base = {
    subjectType: "action_request",
    subjectId: ar.id,
    environmentId: ar.environmentId,
    object: ar.object,
    recordId: ar.recordId,
  };
  for (const call of log) {
    await writeAuditEvent(tx, {
      ...base,
      lane: "execution",
      actor: { type: "system" },
      action: "connector.call",
      payload: { ...call, attempt, workerId },
      at: new Date(call.at),
    });
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

  if (outcome.kind === "written") {
    await finish("succeeded");
    for (const f of ar.fieldChanges) {
      await tx.fieldChange.update({
        where: { id: f.id },
        data: { appliedValue: toJson(outcome.after[f.field]) },
      });
    }
    await writeAuditEvent(tx, {
      ...base,
      recordId: outcome.recordId,
      lane: "data",
      actor: { type: "system" },
      action: ar.recordId ? "record.updated" : "record.created",
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
    return { outcome: "succeeded" };
  }

  if (outcome.kind === "conflict") {
    await finish("conflict", {
      errorClass: "conflict",
      code: "CHANGED_SINCE_APPROVAL",
      message: outcome.message,
    });
    await returnToApproval(tx, ar, outcome.current, outcome.message, worker, now);
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
  if (next.kind === "back_to_approval") {
    await returnToApproval(tx, ar, null, err.message, worker, now);
    return { outcome: "back_to_approval", detail: err.message };
  }
  await deadLetter(tx, ar.id, "executing", err, next.why, worker, attempt);
  return { outcome: "dead_lettered", detail: next.why };
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
 * A field changed in Salesforce after the approval: the request goes back to a person with
 * the new current value as "value at approval". Earlier approvals were for the old value and
 * no longer count (they stay in the audit lane, named in this event).
 */
async function returnToApproval(
  tx: Tx,
  ar: NonNullable<TLoaded>,
  current: Record<string, unknown> | null,
  message: string,
  actor: { type: "worker"; workerId: string },
  now: Date,
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
      lastErrorCode: "CHANGED_SINCE_APPROVAL",
      lastErrorMessage: message,
    },
    payload: { currentValues: current, previousApprovals: previous },
  });
}

const toJson = (v: unknown) =>
  v === null || v === undefined ? Prisma.JsonNull : (v as Prisma.InputJsonValue);
