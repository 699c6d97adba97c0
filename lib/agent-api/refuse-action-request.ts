import { prefixedId } from "@/lib/core/ids";
import { recordRateRefusal } from "@/lib/guardrails/rate-limit";
import { problemResponse } from "@/lib/http/problem";
import { denialErrorCode, type TPolicyDecision, type TPolicyDenial } from "@/lib/policy";
import { insertRequest, type TIngest, type TRefusal } from "./persist-action-request";

/** A call over the agent's rate: counted per agent and minute, answered, never stored. */
export async function refuseOverRate(ctx: TIngest, denial: TPolicyDenial, now: Date) {
  await recordRateRefusal(ctx.agent, denial.detail, now);
  return problemResponse(denial.status, denialErrorCode(denial.code), denial.detail, {
    requestId: ctx.requestId,
    headers: denial.retryAfterSeconds ? { "retry-after": String(denial.retryAfterSeconds) } : {},
  });
}

/** The policy engine's denial, stored with its rule and reasons. */
export function refuse(
  ctx: TIngest,
  decision: TPolicyDecision,
  workflowVersionId: string | null,
  actionTypeId: string,
  before: Record<string, unknown> | null,
) {
  const d = decision.denial!;
  return refuseWith(
    ctx,
    {
      status: d.status,
      code: denialErrorCode(d.code),
      detail: d.detail,
      retryAfterSeconds: d.retryAfterSeconds,
    },
    workflowVersionId,
    actionTypeId,
    before,
    decision.reasons,
    decision.rule,
  );
}

/** Record what the agent tried and why it was refused, then answer with problem+json. */
export async function refuseWith(
  ctx: TIngest,
  refusal: TRefusal,
  workflowVersionId: string | null,
  actionTypeId: string,
  before: Record<string, unknown> | null,
  reasons: string[],
  rule = `refused/${refusal.code}`,
) {
  const { agent, input, bodyHash, requestId } = ctx;
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
