import { AGENT_ERROR_STATUS, AppError } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { recordRateRefusal } from "@/lib/guardrails/rate-limit";
import { denialErrorCode, type TPolicyDecision, type TPolicyDenial } from "@/lib/policy";
import {
  insertRequest,
  type TCreated,
  type TIngest,
  type TRefusal,
} from "./persist-action-request";

const retryAfter = (seconds?: number): Record<string, string> =>
  seconds ? { "retry-after": String(seconds) } : {};

/** A call over the agent's rate: counted per agent and minute, refused, never stored. */
export async function refuseOverRate(
  ctx: TIngest,
  denial: TPolicyDenial,
  now: Date,
): Promise<never> {
  await recordRateRefusal(ctx.agent, denial.detail, now);
  throw new AppError(denialErrorCode(denial.code), denial.detail, {
    headers: retryAfter(denial.retryAfterSeconds),
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

/**
 * Record what the agent tried and why it was refused, then throw the refusal (problem+json);
 * a concurrent duplicate that stored first is answered as it was.
 */
export async function refuseWith(
  ctx: TIngest,
  refusal: TRefusal,
  workflowVersionId: string | null,
  actionTypeId: string,
  before: Record<string, unknown> | null,
  reasons: string[],
  rule = `refused/${refusal.code}`,
): Promise<TCreated> {
  const { agent, input, bodyHash, requestId } = ctx;
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
        status: AGENT_ERROR_STATUS[refusal.code],
        detail: refusal.detail,
        actionType: input.actionType,
        changes: input.changes,
        requestId,
      },
    },
  );
  if (replayed) return replayed;
  const error = new AppError(refusal.code, refusal.detail, {
    headers: retryAfter(refusal.retryAfterSeconds),
  });
  stored.add(error);
  throw error;
}

const stored = new WeakSet<object>();

/** Whether `e` is a refusal this call stored (refuseWith), not one that failed before storing. */
export const isStoredRefusal = (e: unknown) => typeof e === "object" && e !== null && stored.has(e);
