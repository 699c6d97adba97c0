/**
 * The gates before scope, in evaluatePolicy's order: kill switches, rate limits, the action
 * itself, the workflow version (and its change windows), plus field ownership after scope.
 * Each returns a denial or null.
 */
import { AGENT_ERROR_STATUS, type TAgentErrorCode } from "@/lib/core/errors";
import { checkChangeWindows, describeWindows } from "./change-window";
import type { TDenialCode, TPolicyDecision, TPolicyInput } from "./types";

/**
 * The problem code an agent gets for a denial: the denial's own, except an invalid action, which
 * is a bad body (the request is not recorded).
 */
export const denialErrorCode = (code: TDenialCode): TAgentErrorCode =>
  code === "invalid_action" ? "invalid_body" : code;

/** HTTP status per denial code, from the one error map (see evaluate-policy.ts for the reasoning). */
export const DENIAL_STATUS: Readonly<Record<TDenialCode, number>> = {
  agent_inactive: AGENT_ERROR_STATUS.agent_inactive,
  kill_switch_engaged: AGENT_ERROR_STATUS.kill_switch_engaged,
  rate_limited: AGENT_ERROR_STATUS.rate_limited,
  invalid_action: AGENT_ERROR_STATUS.invalid_body,
  workflow_mismatch: AGENT_ERROR_STATUS.workflow_mismatch,
  outside_change_window: AGENT_ERROR_STATUS.outside_change_window,
  scope_denied: AGENT_ERROR_STATUS.scope_denied,
  field_owned_elsewhere: AGENT_ERROR_STATUS.field_owned_elsewhere,
  no_policy_rule: AGENT_ERROR_STATUS.no_policy_rule,
  reason_required: AGENT_ERROR_STATUS.reason_required,
  evidence_required: AGENT_ERROR_STATUS.evidence_required,
  constraint_violated: AGENT_ERROR_STATUS.constraint_violated,
};

export function deny(
  code: TDenialCode,
  rule: string,
  detail: string,
  extra?: { reasons?: string[]; retryAfterSeconds?: number },
): TPolicyDecision {
  const denial: TPolicyDecision["denial"] = { code, status: DENIAL_STATUS[code], detail };
  if (extra?.retryAfterSeconds !== undefined) denial.retryAfterSeconds = extra.retryAfterSeconds;
  return {
    outcome: "denied",
    mode: null,
    approverRole: null,
    requiredApprovals: 0,
    rule,
    reasons: extra?.reasons ? [detail, ...extra.reasons] : [detail],
    denial,
    slaMinutes: null,
  };
}

function secondsUntil(now: Date, at: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));
}

export function checkKillSwitches(input: TPolicyInput): TPolicyDecision | null {
  const { agent, workflow, killSwitches } = input;
  if (killSwitches.length === 0) return null;
  const hits: { scope: string; text: string }[] = [];
  for (const scope of ["global", "environment", "agent", "workflow"] as const) {
    for (const k of killSwitches) {
      if (!k.engaged || k.scope !== scope) continue;
      let text: string;
      if (scope === "global") text = "The global kill switch is engaged";
      else if (scope === "environment" && k.environmentId === agent.environmentId) {
        text = `The kill switch for environment ${agent.environmentId} is engaged`;
      } else if (scope === "agent" && k.agentId === agent.id) {
        text = `The kill switch for agent ${agent.slug} is engaged`;
      } else if (scope === "workflow" && workflow && k.workflowKey === workflow.key) {
        text = `The kill switch for workflow ${workflow.key} is engaged`;
      } else continue;
      hits.push({ scope, text: k.reason ? `${text}: ${k.reason}` : text });
    }
  }
  if (hits.length === 0) return null;
  return deny("kill_switch_engaged", `kill-switch/${hits[0].scope}`, hits[0].text, {
    reasons: hits.slice(1).map((h) => h.text),
  });
}

export function checkRateLimit(input: TPolicyInput): TPolicyDecision | null {
  const rl = input.rateLimit;
  if (!rl) return null;
  const now = input.now;
  const over: { rule: string; text: string; wait: number }[] = [];
  const windows = [
    ["calls-per-minute", "calls per minute", rl.callsPerMinute, 60_000],
    ["writes-per-hour", "writes per hour", rl.writesPerHour, 3_600_000],
  ] as const;
  for (const [rule, unit, c, span] of windows) {
    if (c.used < c.limit) continue;
    const reset = c.resetAt ?? new Date(now.getTime() - (now.getTime() % span) + span);
    const wait = secondsUntil(now, reset);
    over.push({ rule, wait, text: `Rate limit reached: ${c.used} of ${c.limit} ${unit} used` });
  }
  if (over.length === 0) return null;
  // Both windows must have room again before a retry can pass.
  const wait = Math.max(...over.map((o) => o.wait));
  const detail = `${over.map((o) => o.text).join("; ")}; retry in ${wait} s`;
  return deny("rate_limited", `rate-limit/${over.map((o) => o.rule).join("+")}`, detail, {
    retryAfterSeconds: wait,
  });
}

export function checkAction(
  input: TPolicyInput,
  fields: readonly string[],
): TPolicyDecision | null {
  const { request, actionType: at } = input;
  if (!at) {
    return deny(
      "invalid_action",
      "action/unknown-type",
      `Unknown action type ${request.actionType}`,
    );
  }
  if (at.key !== request.actionType) {
    return deny(
      "invalid_action",
      "action/unknown-type",
      `Action type ${request.actionType} does not match the catalog entry ${at.key}`,
    );
  }
  if (at.object !== request.object) {
    return deny(
      "invalid_action",
      "action/object",
      `Action type ${at.key} acts on ${at.object}, not ${request.object}`,
    );
  }
  if (at.operation !== request.operation) {
    return deny(
      "invalid_action",
      "action/operation",
      `Action type ${at.key} performs ${at.operation}, not ${request.operation}`,
    );
  }
  if (request.operation === "create" ? request.recordId !== null : !request.recordId) {
    return deny(
      "invalid_action",
      "action/record-id",
      request.operation === "create"
        ? `A create must not name a record id (got ${request.recordId})`
        : `A ${request.operation} must name the target record id`,
    );
  }
  if (fields.length === 0 && request.operation !== "delete") {
    return deny(
      "invalid_action",
      "action/empty-changes",
      `No changes: ${at.key} must change a field`,
    );
  }
  const extra = fields.filter((f) => !at.fields.includes(f));
  if (extra.length > 0) {
    return deny(
      "invalid_action",
      "action/field",
      `Action type ${at.key} cannot change ${extra.join(", ")} (it changes ${at.fields.join(", ")})`,
    );
  }
  return null;
}

export function checkWorkflow(input: TPolicyInput): TPolicyDecision | null {
  const wf = input.workflow;
  if (!wf) return null;
  const name = `workflow ${wf.key} v${wf.version}`;
  const Name = `W${name.slice(1)}`;
  if (wf.status !== "published") {
    return deny("workflow_mismatch", "workflow/status", `${Name} is ${wf.status}, not published`);
  }
  if (!wf.actionTypes.includes(input.request.actionType)) {
    return deny(
      "workflow_mismatch",
      "workflow/action-type",
      `${Name} does not include action type ${input.request.actionType} (it includes ${wf.actionTypes.join(", ")})`,
    );
  }
  if (wf.changeWindows.length === 0) return null;
  const w = checkChangeWindows(wf.changeWindows, input.now);
  if (w.open) return null;
  const windows = describeWindows(wf.changeWindows);
  if (!w.nextOpenAt) {
    return deny(
      "outside_change_window",
      "workflow/change-window",
      `${Name} has no usable change window (${w.problem ?? windows})`,
    );
  }
  const wait = secondsUntil(input.now, w.nextOpenAt);
  return deny(
    "outside_change_window",
    "workflow/change-window",
    `Outside the change windows of ${name} (${windows}); the next one opens at ${w.nextOpenAt.toISOString()}`,
    { retryAfterSeconds: wait },
  );
}

export function checkOwnership(
  input: TPolicyInput,
  fields: readonly string[],
): TPolicyDecision | null {
  const { agent, request, fieldOwnership } = input;
  for (const f of fields) {
    for (const row of fieldOwnership) {
      if (row.field !== f || row.object !== request.object) continue;
      if (row.allowedWriters.includes(agent.slug)) break;
      return deny(
        "field_owned_elsewhere",
        "ownership/field",
        `${request.object}.${f} is owned by ${row.systemOfRecord}; its allowed writers are ${row.allowedWriters.join(", ") || "nobody"}, not ${agent.slug}`,
      );
    }
  }
  return null;
}
