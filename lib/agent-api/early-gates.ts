import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { AppError } from "@/lib/core/errors";
import type { TRateResult, TRateWindow } from "@/lib/guardrails/rate-limit";
import {
  evaluatePolicy,
  type TPolicyDecision,
  type TPolicyDenial,
  type TPolicyInput,
  type TOperation,
} from "@/lib/policy";
import { pickWorkflowVersion } from "@/lib/workflows/bucket";
import type { TActionRequestInput } from "./contract";
import { agentGrants, killSwitchState } from "./policy-context";
import { asPolicyWorkflow, type TTarget, type TWorkflowVersion } from "./resolve-target";

/** Denials that do not depend on the record: decided before Salesforce is read. */
const RECORD_INDEPENDENT = new Set([
  "agent_inactive",
  "kill_switch_engaged",
  "rate_limited",
  "invalid_action",
  "workflow_mismatch",
  "outside_change_window",
]);

/** The policy input without the record and the workflow version. */
export type TPolicyBase = Omit<TPolicyInput, "current" | "workflow">;

/** The windows an ingest call counts against, in the order `policyInputBase` reads them. */
export const ingestWindows = (agent: TAuthenticatedAgent): TRateWindow[] => [
  { kind: "calls_minute", limit: agent.callsPerMinute },
  { kind: "writes_hour", limit: agent.writesPerHour },
];

/**
 * Everything the policy engine needs besides the record, with the rates this call was counted
 * at (`admitCall`, whatever the answer turns out to be).
 */
export async function policyInputBase(
  agent: TAuthenticatedAgent,
  input: TActionRequestInput,
  target: TTarget,
  now: Date,
  [calls, writes]: TRateResult[],
): Promise<{ base: TPolicyBase; overRate: boolean }> {
  const { config, actionType } = target;
  const [grants, killSwitches] = await Promise.all([agentGrants(agent.id), killSwitchState()]);
  const base: TPolicyBase = {
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
      recordId: input.target.recordId ?? null,
      changes: input.changes,
      reason: input.reason ?? null,
      evidence: input.evidence ?? [],
    },
    actionType,
    grants,
    rule: config.rules.get(input.actionType) ?? null,
    fieldOwnership: config.ownership,
    killSwitches,
    rateLimit: {
      callsPerMinute: { used: calls.used - 1, limit: calls.limit, resetAt: calls.resetAt },
      writesPerHour: { used: writes.used - 1, limit: writes.limit, resetAt: writes.resetAt },
    },
    now,
  };
  return { base, overRate: !calls.allowed || !writes.allowed };
}

export type TEarlyGate = {
  /** the version a refusal before the record is read is filed under */
  provisional: TWorkflowVersion | undefined;
} & (
  | { kind: "pass" }
  /** answered, counted per agent and minute, not stored */
  | { kind: "over_rate"; denial: TPolicyDenial }
  /** refused and stored */
  | { kind: "refused"; decision: TPolicyDecision }
);

/**
 * Step 2: gates that need no record (kill switches, rate limits, the action's shape) decide
 * before Salesforce is called, so a tripped switch refuses even while Salesforce is down.
 */
export function earlyGates(base: TPolicyBase, target: TTarget, overRate: boolean): TEarlyGate {
  const { workflow, pinned } = target;
  const provisional = pinned ?? pickWorkflowVersion(workflow.versions, 0) ?? workflow.versions[0];
  const early = evaluatePolicy({
    ...base,
    current: {},
    workflow: provisional ? asPolicyWorkflow(workflow, provisional) : null,
  });
  if (early.denial?.code === "invalid_action")
    throw new AppError("invalid_body", early.denial.detail);
  // A call over the agent's rate is counted per agent and minute, never stored one by one
  // (API.md), so a flood stays small — also when a gate before the rate limit (a kill switch, a
  // suspended agent, a closed change window) gives the answer: that answer is sent, not stored.
  if (
    early.denial &&
    (early.denial.code === "rate_limited" ||
      (overRate && RECORD_INDEPENDENT.has(early.denial.code)))
  ) {
    return { kind: "over_rate", denial: early.denial, provisional };
  }
  if (early.denial && RECORD_INDEPENDENT.has(early.denial.code)) {
    return { kind: "refused", decision: early, provisional };
  }
  return { kind: "pass", provisional };
}
