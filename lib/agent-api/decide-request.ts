import { AppError } from "@/lib/core/errors";
import { evaluatePolicy, type TPolicyDecision } from "@/lib/policy";
import { pickWorkflowVersion, rolloutBucket } from "@/lib/workflows/bucket";
import type { TActionRequestInput } from "./contract";
import type { TPolicyBase } from "./early-gates";
import { asPolicyWorkflow, type TTarget, type TWorkflowVersion } from "./resolve-target";

export type TDecided = {
  decision: TPolicyDecision;
  version: TWorkflowVersion;
  /** the record's values of the proposed fields when the agent asked; null for a create */
  before: Record<string, unknown> | null;
};

/**
 * Step 4: the workflow version (pinned, or by sticky bucket on the account so one account's
 * requests stay on one version during a rollout), then the policy engine with the record.
 */
export function decideRequest(
  base: TPolicyBase,
  target: TTarget,
  input: TActionRequestInput,
  current: Record<string, unknown> | null,
): TDecided {
  const { workflow } = target;
  let version = target.pinned;
  if (!version) {
    const recordId = input.target.recordId ?? null;
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
        `Workflow "${workflow.key}" has no published version for this target`,
      );
  }
  const decision = evaluatePolicy({
    ...base,
    current,
    workflow: asPolicyWorkflow(workflow, version),
  });
  const before = current
    ? Object.fromEntries(Object.keys(input.changes).map((f) => [f, current[f] ?? null]))
    : null;
  if (decision.denial?.code === "invalid_action")
    throw new AppError("invalid_body", decision.denial.detail);
  return { decision, version, before };
}
