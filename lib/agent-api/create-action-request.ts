import crypto from "node:crypto";
import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { canonicalJson } from "@/lib/audit/canonical-json";
import { AppError } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { ConnectorError } from "@/lib/connectors/salesforce";
import { connectorFor } from "@/lib/environments";
import { consumeRates, recordRateRefusal } from "@/lib/guardrails/rate-limit";
import { problemResponse } from "@/lib/http/problem";
import {
  evaluatePolicy,
  type TPolicyDecision,
  type TPolicyInput,
  type TOperation,
} from "@/lib/policy";
import { riskScore } from "@/lib/policy/risk";
import { enqueueAfterCommit } from "@/lib/execution/queue";
import { pickWorkflowVersion, rolloutBucket } from "@/lib/workflows/bucket";
import { ZActionRequestInput, type TActionRequestInput } from "./contract";
import { agentGrants, killSwitchState, policyConfig } from "./policy-context";
import { renderActionRequest } from "./render";
import { insertRequest, replay, type TRefusal } from "./persist-action-request";
import { checkFieldTypes } from "./field-types";
import { readRecordSummary, summaryFromValues } from "./record-summary";

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
  // A call over the agent's rate is counted per agent and minute, never stored one by one
  // (API.md), so a flood stays small — also when a gate before the rate limit (a kill switch, a
  // suspended agent, a closed change window) gives the answer: that answer is sent, not stored.
  const overRate = !calls.allowed || !writes.allowed;
  if (
    early.denial &&
    (early.denial.code === "rate_limited" ||
      (overRate && RECORD_INDEPENDENT.has(early.denial.code)))
  ) {
    await recordRateRefusal(agent, early.denial.detail, now);
    const d = early.denial;
    return problemResponse(d.status, d.code, d.detail, {
      requestId,
      headers: d.retryAfterSeconds ? { "retry-after": String(d.retryAfterSeconds) } : {},
    });
  }
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
  // the connector the record was read with, reused for the inbox's record summary below
  let sf: Awaited<ReturnType<typeof connectorFor>> | null = null;
  if (actionType.operation !== "create" && recordId) {
    try {
      sf = await connectorFor(agent.environmentSlug);
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
        // the connector's message can name internal hosts and ports: logged, never returned
        console.error(`[agent-api] reading ${input.target.object} ${recordId} failed:`, e.message);
        throw new AppError(
          "system_unavailable",
          503,
          `Salesforce could not be read (${e.errorClass.replaceAll("_", " ")}). Nothing was recorded; retry with the same idempotency key.`,
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
  // the inbox names the record from this snapshot; parent names (account, owner) cost one more
  // query, spent only on work a person will look at, and never failing the request
  const recordSummary =
    (sf && current && recordId && waits
      ? await readRecordSummary(sf, input.target.object, recordId).catch(() => null)
      : null) ?? summaryFromValues(input.target.object, current ?? input.changes);
  const replayed = await insertRequest(
    {
      id,
      agent,
      input,
      bodyHash,
      workflowVersionId: version.id,
      actionTypeId: actionType.id,
      accountId: (current?.AccountId as string | undefined) ?? null,
      recordSummary,
      status: decision.outcome,
      decision,
      before,
      slaDueAt,
      expiresAt: waits ? new Date(now.getTime() + DEFAULT_EXPIRY_MS) : null,
      riskScore: riskScore({
        mode: decision.mode,
        rule: decision.rule,
        requiredApprovals: decision.requiredApprovals,
        actionType: input.actionType,
        environmentSlug: agent.environmentSlug,
      }),
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
    requestId,
  );
  if (replayed) return replayed;
  if (decision.outcome === "auto_approved") await enqueueAfterCommit(id);
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
  const replayed = await insertRequest(
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
    requestId,
  );
  if (replayed) return replayed;
  return problemResponse(refusal.status, refusal.code, refusal.detail, { requestId, headers });
}
