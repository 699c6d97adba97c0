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
 * invalid_body family). Rate counters hold the calls made BEFORE this request (refused when
 * used >= limit). Denials take precedence over the phase: an observe-phase agent out of scope
 * is denied, so the console shows what it tried and why it would have failed.
 */
import { checkConstraints } from "./check-constraints";
import {
  checkAction,
  checkKillSwitches,
  checkOwnership,
  checkRateLimit,
  checkWorkflow,
  deny,
} from "./check-gates";
import { checkScope, grantLabel } from "./check-scope";
import { ConditionSyntaxError, getCompiledCondition, type TConditionContext } from "./condition";
import type {
  TApprovalMode,
  TMatrixCondition,
  TPolicyDecision,
  TPolicyInput,
  TPolicyRule,
} from "./types";

export { DENIAL_STATUS, denialErrorCode } from "./check-gates";

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
