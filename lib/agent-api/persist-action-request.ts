import "server-only";
import { Prisma, db, preparedQuery } from "@/lib/db";
import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { auditAppendSql, type TAuditPayload } from "@/lib/audit";
import { AGENT_ERROR_STATUS, AppError, isErrorCode, type TAgentErrorCode } from "@/lib/core/errors";
import { jobInsertSql } from "@/lib/jobs/job-insert-sql";
import { JOBS } from "@/lib/jobs/registry";
import type { TActionRequestInput, TActionRequestResponse } from "./contract";
import { renderActionRequest, renderSelect } from "@/lib/action-requests/response";
import type { TRecordSummary } from "./record-summary";

/** A refusal to store and answer; its status is the code's (ERROR_STATUS). */
export type TRefusal = { code: TAgentErrorCode; detail: string; retryAfterSeconds?: number };

/** What createActionRequest answers: the request as API.md renders it, new or replayed. */
export type TCreated = { actionRequest: TActionRequestResponse; replayed: boolean };

/** One agent call as every step of createActionRequest sees it. */
export type TIngest = {
  agent: TAuthenticatedAgent;
  input: TActionRequestInput;
  /** sha256 of the canonical body: the same key with another body is a 409 */
  bodyHash: string;
  requestId: string;
};

export type TInsert = {
  id: string;
  agent: TAuthenticatedAgent;
  input: TActionRequestInput;
  bodyHash: string;
  workflowVersionId: string | null;
  actionTypeId: string;
  accountId: string | null;
  /** name, account, amount, stage, owner for the inbox (record-summary.ts) */
  recordSummary?: TRecordSummary | null;
  status: string;
  decision: {
    mode: string | null;
    rule: string;
    reasons: string[];
    approverRole: string | null;
    requiredApprovals: number;
    outcome: string;
  };
  before: Record<string, unknown> | null;
  slaDueAt: Date | null;
  expiresAt: Date | null;
  riskScore?: number;
  refusal?: TRefusal;
  /** queue the request's execution job in the same statement (an auto-approved request) */
  enqueue?: boolean;
  now: Date;
};

// one text whether or not the value is null: the statement is prepared (preparedQuery)
const ts = (d: Date | null) =>
  Prisma.sql`${d ? d.toISOString() : null}::timestamptz at time zone 'UTC'`;
const jsonb = (v: unknown) =>
  Prisma.sql`${v === null || v === undefined ? null : JSON.stringify(v)}::jsonb`;

// the execution job as `enqueueExecution` would queue it (payload { requestId }, singleton key
// the request's id), from the inserted row; the text is the same whether or not it is queued
const executeJob = (enqueue: boolean) =>
  jobInsertSql(
    JOBS.execute.queue,
    Prisma.sql`select jsonb_build_object('requestId', ar.id) as data, ar.id as singleton_key
      from ar where ${enqueue}::boolean`,
  );

/**
 * The request, its field changes, its audit event and (`enqueue`) its execution job as ONE
 * statement: atomic on its own, and the audit lane is locked only while PostgreSQL finishes it —
 * the ingest hot path. The job commits with the request: it is never queued for a request that
 * did not commit, nor lost after one that did.
 */
export async function insertRequest<A extends "action_request.created" | "action_request.refused">(
  r: TInsert,
  audit: { action: A; source?: unknown; payload: TAuditPayload<A> },
): Promise<TCreated | null> {
  const { input, agent } = r;
  const fields = Object.entries(input.changes).map(([field, value]) => ({
    field,
    old: r.before?.[field] ?? null,
    new: value ?? null,
  }));
  const auditSql = auditAppendSql({
    actor: { type: "agent", agentId: agent.id },
    action: audit.action,
    subjectId: r.id,
    environmentId: agent.environmentId,
    object: input.target.object,
    recordId: input.target.recordId ?? null,
    reasonCode: input.reason?.code ?? null,
    reasonText: input.reason?.text ?? null,
    source: audit.source ?? null,
    evidence: input.evidence ?? [],
    payload: audit.payload,
    at: r.now,
  });
  try {
    await preparedQuery(Prisma.sql`
    with ar as (
      insert into "ActionRequest" (id, "agentId", "environmentId", "workflowVersionId", "actionTypeId", "idempotencyKey",
        "bodyHash", object, "recordId", "accountId", status, "decisionOutcome", "decisionMode", "decisionRule",
        "decisionReasons", "approverRole", "requiredApprovals", "reasonCode", "reasonText", evidence, before,
        "refusalStatus", "refusalCode", "refusalDetail", "slaDueAt", "expiresAt", "decidedAt", "createdAt", "updatedAt", "riskScore",
        "recordSummary")
      values (${r.id}, ${agent.id}, ${agent.environmentId}, ${r.workflowVersionId}, ${r.actionTypeId}, ${input.idempotencyKey},
        ${r.bodyHash}, ${input.target.object}, ${input.target.recordId ?? null}, ${r.accountId},
        ${r.status}::"ActionRequestStatus", ${r.decision.outcome}, ${r.decision.mode}::"ApprovalMode", ${r.decision.rule},
        ${r.decision.reasons}::text[], ${r.decision.approverRole}, ${r.decision.requiredApprovals},
        ${input.reason?.code ?? null}, ${input.reason?.text ?? null}, ${jsonb(input.evidence ?? [])}, ${jsonb(r.before)},
        ${r.refusal ? AGENT_ERROR_STATUS[r.refusal.code] : null}::int, ${r.refusal?.code ?? null}, ${r.refusal?.detail ?? null},
        ${ts(r.slaDueAt)}, ${ts(r.expiresAt)}, ${ts(r.refusal ? r.now : null)}, ${ts(r.now)}, ${ts(r.now)}, ${r.riskScore ?? 0}::int,
        ${jsonb(r.recordSummary ?? null)})
      returning id
    ), fc as (
      insert into "FieldChange" (id, "actionRequestId", field, "oldValue", "newValue")
      select 'fc_' || replace(gen_random_uuid()::text, '-', ''), ar.id, f.field, f.old, f.new
      from ar, jsonb_to_recordset(${jsonb(fields)}) as f(field text, old jsonb, new jsonb)
      returning 1
    ), job as (${executeJob(!!r.enqueue)})
    select a.* from ar, (${auditSql}) a`);
    return null;
  } catch (e) {
    // a concurrent duplicate won the (agent, key) unique constraint: answer as it did
    const again = await afterUniqueViolation(e, agent.id, input.idempotencyKey, r.bodyHash);
    if (again) return again;
    throw e;
  }
}

/**
 * Same key + same body → the original answer: the request (200) or its refusal, thrown again;
 * different body → 409.
 */
export async function replay(
  agentId: string,
  key: string,
  bodyHash: string,
): Promise<TCreated | null> {
  const row = await db.actionRequest.findUnique({
    where: { agentId_idempotencyKey: { agentId, idempotencyKey: key } },
    select: {
      ...renderSelect,
      bodyHash: true,
      refusalStatus: true,
      refusalCode: true,
      refusalDetail: true,
    },
  });
  if (!row) return null;
  if (row.bodyHash !== bodyHash) {
    throw new AppError(
      "idempotency_conflict",
      `Idempotency key "${key}" was already used with a different body (request ${row.id})`,
    );
  }
  if (row.refusalStatus && row.refusalCode) {
    // refusals are stored only from a TRefusal, with the status its code has (insertRequest)
    if (!isErrorCode(row.refusalCode)) throw new Error(`unknown refusal code ${row.refusalCode}`);
    throw new AppError(row.refusalCode, row.refusalDetail ?? "");
  }
  return { actionRequest: renderActionRequest(row, true), replayed: true };
}

/** Concurrent duplicates: the unique (agent, key) constraint picks one winner; the rest replay it. */
async function afterUniqueViolation(e: unknown, agentId: string, key: string, bodyHash: string) {
  // 23505 from pg (preparedQuery), P2002/P2010 from Prisma
  const unique =
    (e instanceof Error && (e as { code?: unknown }).code === "23505") ||
    (e instanceof Prisma.PrismaClientKnownRequestError &&
      (e.code === "P2002" ||
        (e.code === "P2010" && /23505|unique/i.test(JSON.stringify(e.meta ?? {}) + e.message))));
  if (unique) return replay(agentId, key, bodyHash);
  return null;
}
