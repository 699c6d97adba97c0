import { describe, expect, it } from "vitest";
import {
  checkTransition,
  STATUSES,
  TERMINAL,
  TRANSITIONS,
  type TActorKind,
  type TStatus,
} from "./transitions";

describe("action-request transitions", () => {
  const cases: [TStatus, TStatus, TActorKind, boolean | string][] = [
    ["received", "pending_approval", "system", "action_request.queued_for_approval"],
    ["received", "auto_approved", "system", "action_request.auto_approved"],
    ["received", "observed", "system", "action_request.observed"],
    ["received", "approved", "system", false],
    ["pending_approval", "approved", "user", "action_request.approved"],
    ["pending_approval", "approved", "agent", false],
    ["pending_approval", "approved", "worker", false],
    ["pending_approval", "denied", "user", "action_request.denied"],
    ["pending_approval", "expired", "system", "action_request.expired"],
    ["pending_approval", "expired", "user", false],
    ["pending_approval", "executing", "worker", false],
    ["draft", "approved", "user", "action_request.released_by_person"],
    ["draft", "executing", "user", false],
    ["draft", "approved", "agent", false],
    ["draft", "discarded", "user", "action_request.discarded"],
    ["approved", "executing", "worker", "execution.started"],
    ["approved", "halted", "system", "action_request.halted"],
    ["auto_approved", "executing", "worker", "execution.started"],
    ["executing", "succeeded", "worker", "execution.succeeded"],
    ["executing", "pending_approval", "worker", "execution.conflict_returned_to_approval"],
    ["executing", "retrying", "worker", "execution.retry_scheduled"],
    ["executing", "halted", "system", "action_request.halted"],
    ["executing", "halted", "user", false],
    ["executing", "approved", "worker", false],
    ["retrying", "executing", "worker", "execution.started"],
    ["retrying", "dead_lettered", "worker", "execution.dead_lettered"],
    ["approved", "dead_lettered", "worker", "execution.dead_lettered"],
    ["auto_approved", "dead_lettered", "worker", "execution.dead_lettered"],
    ["approved", "dead_lettered", "user", false],
    ["dead_lettered", "approved", "user", "dead_letter.retried"],
    ["dead_lettered", "pending_approval", "user", "dead_letter.rerouted"],
    ["dead_lettered", "discarded", "user", "dead_letter.discarded"],
    ["dead_lettered", "approved", "worker", false],
    ["halted", "approved", "user", "action_request.resumed"],
    ["halted", "executing", "worker", false],
    ["succeeded", "reverted", "user", "action_request.reverted"],
    ["succeeded", "executing", "worker", false],
    ["denied", "approved", "user", false],
    ["expired", "approved", "user", false],
    ["reverted", "succeeded", "user", false],
    ["observed", "executing", "worker", false],
  ];
  it.each(cases)("%s → %s by %s", (from, to, actor, expected) => {
    const r = checkTransition(from, to, actor);
    if (expected === false) expect(r.ok).toBe(false);
    else expect(r).toEqual({ ok: true, event: expected });
  });

  it("explains a refusal", () => {
    expect(checkTransition("denied", "approved", "user")).toEqual({
      ok: false,
      reason: "The request is denied; nothing more can happen to it",
    });
    expect(checkTransition("pending_approval", "approved", "agent")).toEqual({
      ok: false,
      reason: "Only a user may move a request from pending_approval to approved",
    });
  });

  it("never lets an agent move a request, and never leaves pending approval without a person or the clock", () => {
    for (const s of STATUSES) for (const e of TRANSITIONS[s]) expect(e.by).not.toContain("agent");
    for (const e of TRANSITIONS.pending_approval)
      expect(e.by.every((b) => b === "user" || b === "system")).toBe(true);
  });

  it("has exactly the terminal statuses of the design", () => {
    expect([...TERMINAL].sort()).toEqual([
      "denied",
      "discarded",
      "expired",
      "observed",
      "reverted",
    ]);
  });
});
