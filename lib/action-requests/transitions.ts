/**
 * The action-request state machine (DESIGN.md §4, API.md statuses), pure: who may move a
 * request from which status to which, and the audit event the move emits. Approvals and
 * execution both go through it; neither owns it.
 */
import type { TAuditAction } from "@/lib/audit/events";

export const STATUSES = [
  "received",
  "observed",
  "denied",
  "pending_approval",
  "draft",
  "approved",
  "auto_approved",
  "executing",
  "succeeded",
  "failed",
  "retrying",
  "dead_lettered",
  "reverted",
  "expired",
  "halted",
  "discarded",
] as const;
export type TStatus = (typeof STATUSES)[number];
export type TActorKind = "agent" | "user" | "worker" | "system";

type TEdge = { to: TStatus; by: readonly TActorKind[]; event: TAuditAction };

const E = (to: TStatus, by: readonly TActorKind[], event: TAuditAction): TEdge => ({
  to,
  by,
  event,
});

export const TRANSITIONS: Readonly<Record<TStatus, readonly TEdge[]>> = {
  received: [
    E("observed", ["system"], "action_request.observed"),
    E("denied", ["system"], "action_request.refused"),
    E("pending_approval", ["system"], "action_request.queued_for_approval"),
    E("draft", ["system"], "action_request.drafted"),
    E("auto_approved", ["system"], "action_request.auto_approved"),
  ],
  pending_approval: [
    E("approved", ["user"], "action_request.approved"),
    E("denied", ["user"], "action_request.denied"),
    E("expired", ["system"], "action_request.expired"),
  ],
  draft: [
    // a person releases the draft: the worker executes it like approved work, with that
    // person recorded as the one who decided
    E("approved", ["user"], "action_request.released_by_person"),
    E("discarded", ["user"], "action_request.discarded"),
    E("expired", ["system"], "action_request.expired"),
  ],
  approved: [
    // its agent was demoted, suspended or retired since (lib/execution/phase-stop.ts): back to
    // a person's approval, or expired where nothing of the agent is written any more
    E("pending_approval", ["system"], "action_request.returned_to_approval"),
    E("expired", ["system"], "action_request.expired"),
    E("executing", ["worker"], "execution.started"),
    E("halted", ["system", "user"], "action_request.halted"),
    // its claim kept failing (lib/execution/claim-failure.ts): parked for a person
    E("dead_lettered", ["worker"], "execution.dead_lettered"),
  ],
  auto_approved: [
    // its agent was demoted, suspended or retired since (lib/execution/phase-stop.ts): back to
    // a person's approval, or expired where nothing of the agent is written any more
    E("pending_approval", ["system"], "action_request.returned_to_approval"),
    E("expired", ["system"], "action_request.expired"),
    E("executing", ["worker"], "execution.started"),
    E("halted", ["system", "user"], "action_request.halted"),
    // its claim kept failing (lib/execution/claim-failure.ts): parked for a person
    E("dead_lettered", ["worker"], "execution.dead_lettered"),
  ],
  executing: [
    E("succeeded", ["worker", "user"], "execution.succeeded"),
    E("failed", ["worker", "user"], "execution.failed"),
    E("retrying", ["worker"], "execution.retry_scheduled"),
    // a field changed since the proposal: back to a person with the new current value
    E("pending_approval", ["worker"], "execution.conflict_returned_to_approval"),
    E("dead_lettered", ["worker"], "execution.dead_lettered"),
    // a kill switch tripped after the claim: stopped at the gate before the write, nothing written
    E("halted", ["system"], "action_request.halted"),
  ],
  retrying: [
    // its agent was demoted, suspended or retired since (lib/execution/phase-stop.ts): back to
    // a person's approval, or expired where nothing of the agent is written any more
    E("pending_approval", ["system"], "action_request.returned_to_approval"),
    E("expired", ["system"], "action_request.expired"),
    E("executing", ["worker"], "execution.started"),
    E("dead_lettered", ["worker"], "execution.dead_lettered"),
    E("halted", ["system", "user"], "action_request.halted"),
  ],
  failed: [E("dead_lettered", ["worker", "system"], "execution.dead_lettered")],
  dead_lettered: [
    E("approved", ["user"], "dead_letter.retried"),
    E("pending_approval", ["user"], "dead_letter.rerouted"),
    E("discarded", ["user"], "dead_letter.discarded"),
  ],
  halted: [
    // its agent was demoted, suspended or retired since (lib/execution/phase-stop.ts): back to
    // a person's approval, or expired where nothing of the agent is written any more
    E("pending_approval", ["system"], "action_request.returned_to_approval"),
    E("expired", ["system"], "action_request.expired"),
    E("approved", ["user"], "action_request.resumed"),
    E("discarded", ["user"], "action_request.discarded"),
  ],
  succeeded: [E("reverted", ["user", "worker"], "action_request.reverted")],
  observed: [],
  denied: [],
  expired: [],
  discarded: [],
  reverted: [],
};

export const TERMINAL: ReadonlySet<TStatus> = new Set(
  STATUSES.filter((s) => TRANSITIONS[s].length === 0),
);

export type TTransitionCheck = { ok: true; event: TAuditAction } | { ok: false; reason: string };

/** May `actor` move a request from `from` to `to`? Says why not, in words a person reads. */
export function checkTransition(from: TStatus, to: TStatus, actor: TActorKind): TTransitionCheck {
  const edge = TRANSITIONS[from]?.find((e) => e.to === to);
  if (!edge) {
    if (TERMINAL.has(from))
      return {
        ok: false,
        reason: `The request is ${from.replaceAll("_", " ")}; nothing more can happen to it`,
      };
    return { ok: false, reason: `A request cannot go from ${from} to ${to}` };
  }
  if (!edge.by.includes(actor))
    return {
      ok: false,
      reason: `Only a ${edge.by.join(" or ")} may move a request from ${from} to ${to}`,
    };
  return { ok: true, event: edge.event };
}
