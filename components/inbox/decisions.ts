import type { TDecisionAnswer, TDecisionCall } from "./queries";

/** An approval (or a draft's execute) ready to send: what the `a` key holds back for undo. */
export type TQueuedApproval = TDecisionCall & {
  label: string;
  kind: "approve" | "execute";
};

/** The sentence a person reads after a decision went through. */
export function decidedText(q: Pick<TQueuedApproval, "label" | "kind">, r: TDecisionAnswer) {
  if (r.status === "pending_approval" || r.status === "draft")
    return `Your approval of ${q.label} is recorded${r.approvals ? ` (${r.approvals} of ${r.required})` : ""}; it still needs more.`;
  if (r.status === "denied") return `Denied ${q.label}.`;
  if (r.status === "discarded") return `Discarded draft ${q.label}.`;
  return q.kind === "execute"
    ? `Executing draft ${q.label}.`
    : `Approved ${q.label}: queued for execution.`;
}
