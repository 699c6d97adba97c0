/**
 * The policy engine: one action request in, one decision out. Pure and deterministic — no
 * I/O, no clock (`now` is an input), no randomness — so the same input always gives the same
 * decision, and the services can record exactly why.
 *
 * Checks run in this order; the first failure decides (code → HTTP status):
 *   1. agent status          suspended / retired                     agent_inactive        403
 *   2. kill switches         global → environment → agent → workflow kill_switch_engaged   423
 *   3. rate limits           calls/minute, then writes/hour          rate_limited          429 (+ retryAfterSeconds)
 *   4. action                known type, same object/operation,      invalid_action        400
 *                            record id iff not a create, changes
 *                            non-empty (except delete), fields ⊆ the type's fields
 *   5. workflow              version published, includes the type    workflow_mismatch     403
 *                            inside a change window                  outside_change_window 423 (+ retryAfterSeconds)
 *   6. scope                 one active grant covers object, op,     scope_denied          403
 *                            every field, record condition
 *   7. field ownership       the agent is an allowed writer          field_owned_elsewhere 403
 *   8. matrix rule           the active matrix has a rule            no_policy_rule        403
 *   9. logging               reason code, then evidence              reason_required / evidence_required 422
 *  10. field constraints     allowed values, min, max, max change    constraint_violated   422
 *  11. mode                  the rule's mode, raised (never lowered) by matching conditions
 *  12. phase gate            observe → observed; propose → at least human_in_the_loop
 * Then auto → auto_approved, human_in_the_loop → pending_approval, human_only → draft.
 *
 * Status choices: a closed change window is 423 like a kill switch (the request is fine, the
 * gate is shut for now; retryAfterSeconds says when it opens). A workflow that does not allow
 * the action type is 403 (the request is well-formed, the agent may not do it there). A
 * missing matrix rule is its own code, no_policy_rule 403, so ops see a configuration gap
 * rather than a scope problem. Unknown action type etc. is invalid_action 400 (API.md's
 * invalid_body family).
 */
import { describeWindows, checkChangeWindows } from "./change-window";
import { checkConstraints } from "./check-constraints";
import { checkScope, grantLabel } from "./check-scope";
import { ConditionSyntaxError, getCompiledCondition, type TConditionContext } from "./condition";
import type {
  TApprovalMode,
  TDenialCode,
  TMatrixCondition,
  TPolicyDecision,
  TPolicyInput,
  TPolicyRule,
} from "./types";

export const DENIAL_STATUS: Readonly<Record<TDenialCode, number>> = {
  agent_inactive: 403,
  kill_switch_engaged: 423,
  rate_limited: 429,
  invalid_action: 400,
  workflow_mismatch: 403,
  outside_change_window: 423,
  scope_denied: 403,
  field_owned_elsewhere: 403,
  no_policy_rule: 403,
  reason_required: 422,
  evidence_required: 422,
  constraint_violated: 422,
};

const MODE_RANK: Readonly<Record<TApprovalMode, number>> = {
  auto: 0,
  human_in_the_loop: 1,
  human_only: 2,
};
const MODE_TEXT: Readonly<Record<TApprovalMode, string>> = {
  auto: "auto",
  human_in_the_loop: "human-in-the-loop",
  human_only: "human-only",
};
const OUTCOME: Readonly<Record<TApprovalMode, TPolicyDecision["outcome"]>> = {
  auto: "auto_approved",
  human_in_the_loop: "pending_approval",
  human_only: "draft",
};
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

function deny(
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

/** Plain value for reasons: `StageName → Negotiation/Review`. */
function plain(v: unknown): string {
  if (v === null || v === undefined) return "(empty)";
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function nonEmpty(s: unknown): boolean {
  return typeof s === "string" && s.trim() !== "";
}

function isMode(m: unknown): m is TApprovalMode {
  return m === "auto" || m === "human_in_the_loop" || m === "human_only";
}

function secondsUntil(now: Date, at: Date): number {
  return Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));
}

function checkKillSwitches(input: TPolicyInput): TPolicyDecision | null {
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

function checkRateLimit(input: TPolicyInput): TPolicyDecision | null {
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

function checkAction(input: TPolicyInput, fields: readonly string[]): TPolicyDecision | null {
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

function checkWorkflow(input: TPolicyInput): TPolicyDecision | null {
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

function checkOwnership(input: TPolicyInput, fields: readonly string[]): TPolicyDecision | null {
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

function conditionReason(
  cond: TMatrixCondition,
  ctx: TConditionContext,
  raisedTo: TApprovalMode | null,
  malformed: ConditionSyntaxError | null,
): string {
  const name = cond.name.charAt(0).toUpperCase() + cond.name.slice(1);
  const parts: string[] = [];
  if (malformed) {
    parts.push(`${name} condition could not be read (${malformed.reason}); applied as matched`);
  } else {
    const seen: string[] = [];
    for (const ref of getCompiledCondition(cond.when).fields) {
      if (seen.includes(ref.field)) continue;
      seen.push(ref.field);
      const cur = ctx.current[ref.field];
      if (Object.hasOwn(ctx.proposed, ref.field)) {
        const next = ctx.proposed[ref.field];
        const was = cur !== undefined && cur !== null && cur !== next ? ` (was ${plain(cur)})` : "";
        parts.push(`${ref.field} → ${plain(next)}${was}`);
      } else parts.push(`${ref.field} is ${plain(cur)}`);
    }
  }
  let text = malformed ? parts[0] : `${name} condition matched: ${parts.join(", ")}`;
  if (raisedTo) text += `; mode raised to ${MODE_TEXT[raisedTo]}`;
  if (cond.approverRole) text += `; approval by ${cond.approverRole}`;
  if (cond.requiredApprovals !== undefined) {
    text += `; ${cond.requiredApprovals} approval${cond.requiredApprovals === 1 ? "" : "s"} required`;
  }
  return text;
}

function decideMode(
  input: TPolicyInput,
  rule: TPolicyRule,
  ctx: TConditionContext,
  reasons: string[],
): {
  mode: TApprovalMode;
  approverRole: string | null;
  requiredApprovals: number;
  matched: string;
} {
  let mode = rule.mode;
  let approverRole = rule.approverRole;
  let requiredApprovals = rule.requiredApprovals;
  let matched = "";
  reasons.push(
    `Matrix rule ${rule.actionType}: ${MODE_TEXT[rule.mode]}${rule.approverRole ? `, approval by ${rule.approverRole}` : ""}`,
  );
  for (const cond of rule.conditions) {
    let hit: boolean;
    let malformed: ConditionSyntaxError | null = null;
    try {
      hit = getCompiledCondition(cond.when).evaluate(ctx);
    } catch (err) {
      if (!(err instanceof ConditionSyntaxError)) throw err;
      // Conditions only ever tighten, so one that cannot be read is taken as matched.
      hit = true;
      malformed = err;
    }
    if (!hit) continue;
    matched = matched ? `${matched}+${cond.name}` : cond.name;
    let raisedTo: TApprovalMode | null = null;
    if (cond.mode !== undefined) {
      const m = isMode(cond.mode) ? cond.mode : "human_only";
      if (MODE_RANK[m] > MODE_RANK[mode]) mode = raisedTo = m;
    }
    if (cond.approverRole) approverRole = cond.approverRole;
    if (cond.requiredApprovals !== undefined && cond.requiredApprovals > requiredApprovals) {
      requiredApprovals = cond.requiredApprovals;
    }
    reasons.push(conditionReason(cond, ctx, raisedTo, malformed));
  }
  return { mode, approverRole, requiredApprovals, matched };
}

export function evaluatePolicy(input: TPolicyInput): TPolicyDecision {
  const { agent, request } = input;

  if (agent.status !== "active") {
    return deny(
      "agent_inactive",
      `agent/${agent.status}`,
      `Agent ${agent.slug} is ${agent.status}`,
    );
  }
  const denied = checkKillSwitches(input) ?? checkRateLimit(input);
  if (denied) return denied;

  const changes = request.changes ?? EMPTY;
  const fields = Object.keys(changes);
  const invalid = checkAction(input, fields) ?? checkWorkflow(input);
  if (invalid) return invalid;

  const ctx: TConditionContext = { current: input.current ?? EMPTY, proposed: changes };
  const scope = checkScope(input.grants, request.object, request.operation, fields, input.now, ctx);
  if (!scope.ok) return deny("scope_denied", scope.rule, scope.detail);
  const owned = checkOwnership(input, fields);
  if (owned) return owned;

  const rule = input.rule;
  if (!rule || rule.actionType !== request.actionType) {
    return deny(
      "no_policy_rule",
      "policy/no-rule",
      `The active matrix has no rule for action type ${request.actionType}`,
    );
  }
  if (rule.requireReason && !nonEmpty(request.reason?.code)) {
    return deny(
      "reason_required",
      "policy/reason",
      `Action type ${rule.actionType} requires a reason code (reason.code)`,
    );
  }
  if (
    rule.requireEvidence &&
    !request.evidence?.some((e) => nonEmpty(e?.type) && nonEmpty(e?.ref))
  ) {
    return deny(
      "evidence_required",
      "policy/evidence",
      `Action type ${rule.actionType} requires evidence (at least one { type, ref })`,
    );
  }
  const violation = checkConstraints(rule.constraints, changes, input.current);
  if (violation) return deny("constraint_violated", violation.rule, violation.detail);

  const reasons = [
    `${grantLabel(scope.grant)} allows ${request.operation}${fields.length ? ` of ${fields.join(", ")}` : ""} on ${request.object}`,
  ];
  const decided = decideMode(input, rule, ctx, reasons);
  let { mode, approverRole, requiredApprovals } = decided;
  const ruleId = `${rule.actionType}/${decided.matched || "default"}`;

  const phase = agent.phase;
  if (phase === "propose" && mode === "auto") {
    mode = "human_in_the_loop";
    reasons.push(`Agent ${agent.slug} is in the propose phase: auto actions need approval`);
  }
  if (mode === "auto") {
    approverRole = null;
    requiredApprovals = 0;
  } else {
    approverRole = approverRole ?? input.fallbackApproverRole ?? null;
    if (requiredApprovals < 1) requiredApprovals = 1;
  }
  if (phase !== "execute" && phase !== "propose") {
    // Anything but propose/execute is treated as observe: never executed.
    reasons.push(
      `Agent ${agent.slug} is in the observe phase: recorded, never executed (in execute it would be ${OUTCOME[mode]}${approverRole ? `, approval by ${approverRole}` : ""})`,
    );
    return {
      outcome: "observed",
      mode,
      approverRole,
      requiredApprovals,
      rule: ruleId,
      reasons,
      slaMinutes: null,
    };
  }
  if (mode !== "auto") {
    reasons.push(
      mode === "human_only"
        ? `Human-only: a draft for ${approverRole ?? "a person"} to execute${requiredApprovals > 1 ? ` after ${requiredApprovals} approvals` : ""}`
        : `Needs ${requiredApprovals} approval${requiredApprovals === 1 ? "" : "s"} by ${approverRole ?? "an approver"}`,
    );
  }
  return {
    outcome: OUTCOME[mode],
    mode,
    approverRole,
    requiredApprovals,
    rule: ruleId,
    reasons,
    slaMinutes: mode === "auto" ? null : rule.slaMinutes,
  };
}
