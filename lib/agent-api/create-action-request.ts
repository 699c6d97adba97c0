import crypto from "node:crypto";
import { db, Prisma } from "@/lib/db";
import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { auditAppendSql } from "@/lib/audit";
import { canonicalJson } from "@/lib/audit/canonical-json";
import { AppError } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { ConnectorError } from "@/lib/connectors/salesforce";
import { connectorFor } from "@/lib/environments";
import { consumeRates } from "@/lib/guardrails/rate-limit";
import { problemResponse } from "@/lib/http/problem";
import {
  evaluatePolicy,
  type TPolicyDecision,
  type TPolicyInput,
  type TOperation,
} from "@/lib/policy";
import { pickWorkflowVersion, rolloutBucket } from "@/lib/workflows/bucket";
import { ZActionRequestInput, type TActionRequestInput } from "./contract";
import { agentGrants, killSwitchState, policyConfig } from "./policy-context";
import { renderActionRequest, renderSelect } from "./render";
import { checkFieldTypes } from "./field-types";

const DAY_MS = 86_400_000;
/** A request nobody decides within this time expires (never auto-approves). */
const DEFAULT_EXPIRY_MS = 3 * DAY_MS;
/** Denials that do not depend on the record: decided before Salesforce is read. */
const RECORD_INDEPENDENT = new Set([
  "agent_inactive",
  "kill_switch_engaged",
  "rate_limited",
  "invalid_action",
  "workflow_mismatch",
  "outside_change_window",
]);

const json = (value: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

type TRefusal = { status: number; code: string; detail: string; retryAfterSeconds?: number };

/**
 * POST /action-requests (API.md): validate, replay or refuse a reused idempotency key, read
 * the record from Salesforce, ask the policy engine, then persist the request, its field
 * changes, the decision and its audit event in one transaction. Refusals are recorded too.
 */
export async function createActionRequest(
  agent: TAuthenticatedAgent,
  raw: unknown,
  requestId: string,
): Promise<Response> {
  const input = ZActionRequestInput.parse(raw);
  const bodyHash = crypto.createHash("sha256").update(canonicalJson(input)).digest("hex");

  const existing = await replay(agent.id, input.idempotencyKey, bodyHash, requestId);
  if (existing) return existing;

  const config = await policyConfig();
  const actionType = config.actionTypes.get(input.actionType);
  if (!actionType) {
    throw new AppError("invalid_body", 400, `Unknown action type "${input.actionType}"`, {
      errors: [
        {
          path: "actionType",
          message: `known types: ${[...config.actionTypes.keys()].join(", ")}`,
        },
      ],
    });
  }
  const workflow = config.workflows.get(input.workflow.key);
  if (!workflow)
    throw new AppError("invalid_body", 400, `Unknown workflow "${input.workflow.key}"`, {
      errors: [{ path: "workflow.key", message: "no such workflow" }],
    });
  let version =
    input.workflow.version !== undefined
      ? workflow.versions.find((v) => v.version === input.workflow.version)
      : undefined;
  if (input.workflow.version !== undefined && !version) {
    throw new AppError(
      "invalid_body",
      400,
      `Workflow "${workflow.key}" has no version ${input.workflow.version}`,
      { errors: [{ path: "workflow.version", message: "no such version" }] },
    );
  }

  const now = new Date();
  const [calls, writes] = await consumeRates(
    agent.id,
    [
      { kind: "calls_minute", limit: agent.callsPerMinute },
      { kind: "writes_hour", limit: agent.writesPerHour },
    ],
    now,
  );
  const recordId = input.target.recordId ?? null;
  const base: Omit<TPolicyInput, "current" | "workflow"> = {
    agent: {
      id: agent.id,
      slug: agent.slug,
      status: agent.status,
      phase: agent.phase,
      environmentId: agent.environmentId,
    },
    request: {
      actionType: input.actionType,
      object: input.target.object,
      operation: actionType.operation as TOperation,
      recordId,
      changes: input.changes,
      reason: input.reason ?? null,
      evidence: input.evidence ?? [],
    },
    actionType,
    grants: await agentGrants(agent.id),
    rule: config.rules.get(input.actionType) ?? null,
    fieldOwnership: config.ownership,
    killSwitches: await killSwitchState(),
    rateLimit: {
      callsPerMinute: { used: calls.used - 1, limit: calls.limit, resetAt: calls.resetAt },
      writesPerHour: { used: writes.used - 1, limit: writes.limit, resetAt: writes.resetAt },
    },
    now,
  };
  const asPolicyWorkflow = (v: (typeof workflow.versions)[number]) => ({
    key: workflow.key,
    version: v.version,
    status: v.status,
    actionTypes: v.actionTypes,
    changeWindows: v.changeWindows as unknown as NonNullable<
      TPolicyInput["workflow"]
    >["changeWindows"],
  });

  // gates that need no record (kill switches, rate limits, the action's shape) decide before
  // Salesforce is called, so a tripped switch refuses even while Salesforce is down
  const provisional = version ?? pickWorkflowVersion(workflow.versions, 0) ?? workflow.versions[0];
  const early = evaluatePolicy({
    ...base,
    current: {},
    workflow: provisional ? asPolicyWorkflow(provisional) : null,
  });
  if (early.denial?.code === "invalid_action")
    throw new AppError("invalid_body", 400, early.denial.detail);
  if (early.denial && RECORD_INDEPENDENT.has(early.denial.code)) {
    return refuse(
      agent,
      input,
      bodyHash,
      early,
      provisional?.id ?? null,
      actionType.id,
      null,
      requestId,
    );
  }

  await checkFieldTypes(
    agent.environmentSlug,
    input.target.object,
    actionType.operation,
    input.changes,
  );

  let current: Record<string, unknown> | null = null;
  if (actionType.operation !== "create" && recordId) {
    try {
      const sf = await connectorFor(agent.environmentSlug);
      current = (await sf.read(input.target.object, recordId)).record;
    } catch (e) {
      if (e instanceof ConnectorError && e.errorClass === "not_found") {
        const refusal = {
          status: 404,
          code: "record_not_found",
          detail: `${input.target.object} ${recordId} does not exist in Salesforce`,
        };
        return refuseWith(
          agent,
          input,
          bodyHash,
          refusal,
          provisional?.id ?? null,
          actionType.id,
          null,
          ["Record not found in the system of record"],
          requestId,
        );
      }
      if (e instanceof ConnectorError) {
        throw new AppError(
          "system_unavailable",
          503,
          `Salesforce could not be read (${e.errorClass}): ${e.message}. Nothing was recorded; retry with the same idempotency key.`,
          { headers: { "retry-after": "5" } },
        );
      }
      throw e;
    }
  }

  if (!version) {
    const stickiness = String(
      current?.AccountId ??
        input.changes.AccountId ??
        (input.target.object === "Account" ? recordId : null) ??
        recordId ??
        input.idempotencyKey,
    );
    version =
      pickWorkflowVersion(workflow.versions, rolloutBucket(workflow.key, stickiness)) ?? undefined;
    if (!version)
      throw new AppError(
        "workflow_mismatch",
        403,
        `Workflow "${workflow.key}" has no published version for this target`,
      );
  }
  const decision = evaluatePolicy({ ...base, current, workflow: asPolicyWorkflow(version) });
  const before = current
    ? Object.fromEntries(Object.keys(input.changes).map((f) => [f, current![f] ?? null]))
    : null;
  if (decision.denial) {
    if (decision.denial.code === "invalid_action")
      throw new AppError("invalid_body", 400, decision.denial.detail);
    return refuse(agent, input, bodyHash, decision, version.id, actionType.id, before, requestId);
  }

  const id = prefixedId("ar");
  const slaDueAt = decision.slaMinutes
    ? new Date(now.getTime() + decision.slaMinutes * 60_000)
    : null;
  const waits = decision.outcome === "pending_approval" || decision.outcome === "draft";
  try {
    await insertRequest(
      {
        id,
        agent,
        input,
        bodyHash,
        workflowVersionId: version.id,
        actionTypeId: actionType.id,
        accountId: (current?.AccountId as string | undefined) ?? null,
        status: decision.outcome,
        decision,
        before,
        slaDueAt,
        expiresAt: waits ? new Date(now.getTime() + DEFAULT_EXPIRY_MS) : null,
        now,
      },
      {
        action: "action_request.created",
        source: { workflow: workflow.key, version: version.version, actionType: input.actionType },
        payload: {
          status: decision.outcome,
          rule: decision.rule,
          mode: decision.mode,
          approverRole: decision.approverRole,
          changes: input.changes,
          before,
          requestId,
        },
      },
    );
  } catch (e) {
    const again = await afterUniqueViolation(
      e,
      agent.id,
      input.idempotencyKey,
      bodyHash,
      requestId,
    );
    if (again) return again;
    throw e;
  }
  const rendered = renderActionRequest(
    {
      id,
      status: decision.outcome,
      decisionOutcome: decision.outcome,
      decisionMode: decision.mode,
      approverRole: decision.approverRole,
      requiredApprovals: decision.requiredApprovals,
      decisionRule: decision.rule,
      decisionReasons: decision.reasons,
      before,
      attempts: 0,
      lastErrorClass: null,
      lastErrorCode: null,
      lastErrorMessage: null,
      resultRecordId: null,
      after: null,
      workflowVersion: { version: version.version, workflow: { key: workflow.key } },
    },
    true,
  );
  return json(rendered, 201, { location: `/api/agent/v1/action-requests/${id}` });
}

type TInsert = {
  id: string;
  agent: TAuthenticatedAgent;
  input: TActionRequestInput;
  bodyHash: string;
  workflowVersionId: string | null;
  actionTypeId: string;
  accountId: string | null;
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
  refusal?: TRefusal;
  now: Date;
};

const ts = (d: Date | null) =>
  d ? Prisma.sql`${d.toISOString()}::timestamptz at time zone 'UTC'` : Prisma.sql`null`;
const jsonb = (v: unknown) =>
  Prisma.sql`${v === null || v === undefined ? null : JSON.stringify(v)}::jsonb`;

/**
 * The request, its field changes and its audit event as ONE statement: atomic on its own, and
 * the audit lane is locked only while PostgreSQL finishes it — the ingest hot path.
 */
async function insertRequest(
  r: TInsert,
  audit: { action: string; source?: unknown; payload: Record<string, unknown> },
) {
  const { input, agent } = r;
  const fields = Object.entries(input.changes).map(([field, value]) => ({
    field,
    old: r.before?.[field] ?? null,
    new: value ?? null,
  }));
  const auditSql = auditAppendSql({
    lane: "execution",
    actor: { type: "agent", agentId: agent.id },
    action: audit.action,
    subjectType: "action_request",
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
  await db.$queryRaw`
    with ar as (
      insert into "ActionRequest" (id, "agentId", "environmentId", "workflowVersionId", "actionTypeId", "idempotencyKey",
        "bodyHash", object, "recordId", "accountId", status, "decisionOutcome", "decisionMode", "decisionRule",
        "decisionReasons", "approverRole", "requiredApprovals", "reasonCode", "reasonText", evidence, before,
        "refusalStatus", "refusalCode", "refusalDetail", "slaDueAt", "expiresAt", "decidedAt", "createdAt", "updatedAt")
      values (${r.id}, ${agent.id}, ${agent.environmentId}, ${r.workflowVersionId}, ${r.actionTypeId}, ${input.idempotencyKey},
        ${r.bodyHash}, ${input.target.object}, ${input.target.recordId ?? null}, ${r.accountId},
        ${r.status}::"ActionRequestStatus", ${r.decision.outcome}, ${r.decision.mode}::"ApprovalMode", ${r.decision.rule},
        ${r.decision.reasons}::text[], ${r.decision.approverRole}, ${r.decision.requiredApprovals},
        ${input.reason?.code ?? null}, ${input.reason?.text ?? null}, ${jsonb(input.evidence ?? [])}, ${jsonb(r.before)},
        ${r.refusal?.status ?? null}::int, ${r.refusal?.code ?? null}, ${r.refusal?.detail ?? null},
        ${ts(r.slaDueAt)}, ${ts(r.expiresAt)}, ${ts(r.refusal ? r.now : null)}, ${ts(r.now)}, ${ts(r.now)})
      returning id
    ), fc as (
      insert into "FieldChange" (id, "actionRequestId", field, "oldValue", "newValue")
      select 'fc_' || replace(gen_random_uuid()::text, '-', ''), ar.id, f.field, f.old, f.new
      from ar, jsonb_to_recordset(${jsonb(fields)}) as f(field text, old jsonb, new jsonb)
      returning 1
    )
    select a.* from ar, (${auditSql}) a`;
}

/** Same key + same body → the original response (200); different body → 409. */
async function replay(
  agentId: string,
  key: string,
  bodyHash: string,
  requestId: string,
): Promise<Response | null> {
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
    return problemResponse(
      409,
      "idempotency_conflict",
      `Idempotency key "${key}" was already used with a different body (request ${row.id})`,
      { requestId },
    );
  }
  if (row.refusalStatus && row.refusalCode) {
    return problemResponse(row.refusalStatus, row.refusalCode, row.refusalDetail ?? "", {
      requestId,
    });
  }
  return json(renderActionRequest(row, true), 200);
}

/** Concurrent duplicates: the unique (agent, key) constraint picks one winner; the rest replay it. */
async function afterUniqueViolation(
  e: unknown,
  agentId: string,
  key: string,
  bodyHash: string,
  requestId: string,
) {
  const unique =
    e instanceof Prisma.PrismaClientKnownRequestError &&
    (e.code === "P2002" ||
      (e.code === "P2010" && /23505|unique/i.test(JSON.stringify(e.meta ?? {}) + e.message)));
  if (unique) return replay(agentId, key, bodyHash, requestId);
  return null;
}

function refuse(
  agent: TAuthenticatedAgent,
  input: TActionRequestInput,
  bodyHash: string,
  decision: TPolicyDecision,
  workflowVersionId: string | null,
  actionTypeId: string,
  before: Record<string, unknown> | null,
  requestId: string,
) {
  const d = decision.denial!;
  return refuseWith(
    agent,
    input,
    bodyHash,
    { status: d.status, code: d.code, detail: d.detail, retryAfterSeconds: d.retryAfterSeconds },
    workflowVersionId,
    actionTypeId,
    before,
    decision.reasons,
    requestId,
    decision.rule,
  );
}

/** Record what the agent tried and why it was refused, then answer with problem+json. */
async function refuseWith(
  agent: TAuthenticatedAgent,
  input: TActionRequestInput,
  bodyHash: string,
  refusal: TRefusal,
  workflowVersionId: string | null,
  actionTypeId: string,
  before: Record<string, unknown> | null,
  reasons: string[],
  requestId: string,
  rule = `refused/${refusal.code}`,
) {
  const headers: Record<string, string> = refusal.retryAfterSeconds
    ? { "retry-after": String(refusal.retryAfterSeconds) }
    : {};
  try {
    await insertRequest(
      {
        id: prefixedId("ar"),
        agent,
        input,
        bodyHash,
        workflowVersionId,
        actionTypeId,
        accountId: null,
        status: "denied",
        decision: {
          outcome: "denied",
          mode: null,
          rule,
          reasons,
          approverRole: null,
          requiredApprovals: 0,
        },
        before,
        slaDueAt: null,
        expiresAt: null,
        refusal,
        now: new Date(),
      },
      {
        action: "action_request.refused",
        payload: {
          code: refusal.code,
          status: refusal.status,
          detail: refusal.detail,
          actionType: input.actionType,
          changes: input.changes,
          requestId,
        },
      },
    );
  } catch (e) {
    const again = await afterUniqueViolation(
      e,
      agent.id,
      input.idempotencyKey,
      bodyHash,
      requestId,
    );
    if (again) return again;
    throw e;
  }
  return problemResponse(refusal.status, refusal.code, refusal.detail, { requestId, headers });
}
