import { describe, expect, it } from "vitest";
import {
  AGENT_ERROR_CODES,
  AppError,
  ERROR_STATUS,
  invalid,
  isErrorCode,
  notFound,
} from "./errors";

// Agents and outside tests depend on these pairs (API.md): a change here is a contract change.
const CONTRACT: [string, number][] = [
  ["invalid_body", 400],
  ["canary_in_progress", 409],
  ["not_a_canary", 409],
  ["invalid_query", 400],
  ["secrets_required", 400],
  ["destination_refused", 400],
  ["invalid_api_key", 401],
  ["unauthenticated", 401],
  ["agent_inactive", 403],
  ["scope_denied", 403],
  ["field_owned_elsewhere", 403],
  ["no_policy_rule", 403],
  ["workflow_mismatch", 403],
  ["forbidden", 403],
  ["cross_site_request", 403],
  ["separation_of_duties", 403],
  ["not_found", 404],
  ["record_not_found", 404],
  ["idempotency_conflict", 409],
  ["connection_not_configured", 409],
  ["state_changed", 409],
  ["already_decided", 409],
  ["invalid_transition", 409],
  ["not_engaged", 409],
  ["already_acknowledged", 409],
  ["agent_retired", 409],
  ["not_revertible", 409],
  ["revert_open", 409],
  ["revert_conflict", 409],
  ["single_review_required", 409],
  ["draft_exists", 409],
  ["version_immutable", 409],
  ["criteria_unmet", 409],
  ["phase_forbids", 409],
  ["payload_too_large", 413],
  ["reason_required", 422],
  ["evidence_required", 422],
  ["constraint_violated", 422],
  ["invalid_condition", 422],
  ["kill_switch_engaged", 423],
  ["outside_change_window", 423],
  ["rate_limited", 429],
  ["internal_error", 500],
  ["system_unavailable", 503],
];

describe("error codes", () => {
  it.each(CONTRACT)("%s answers %i", (code, status) => {
    expect(isErrorCode(code)).toBe(true);
    if (!isErrorCode(code)) return;
    expect(ERROR_STATUS[code]).toBe(status);
    expect(new AppError(code, "x").status).toBe(status);
  });

  it("has no code the contract table does not pin", () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual(CONTRACT.map(([c]) => c).sort());
  });

  it("lists agent codes that are all in the map", () => {
    for (const code of AGENT_ERROR_CODES) expect(isErrorCode(code)).toBe(true);
    expect(AGENT_ERROR_CODES).not.toContain("forbidden");
  });

  it("knows no other code", () => {
    expect(isErrorCode("teapot")).toBe(false);
    expect(isErrorCode("toString")).toBe(false);
  });

  it("keeps the console's 409 for a kill switch only where asked", () => {
    const e = new AppError("kill_switch_engaged", "reset it first", { status: 409 });
    expect(e.status).toBe(409);
    expect(e.details?.status).toBe(409);
  });

  it("keeps message and details for the problem body", () => {
    const e = invalid("bad", [{ path: "a.b", message: "required" }]);
    expect([e.code, e.status, e.message]).toEqual(["invalid_body", 400, "bad"]);
    expect(e.details?.errors).toEqual([{ path: "a.b", message: "required" }]);
    expect(notFound("Agent")).toMatchObject({
      code: "not_found",
      status: 404,
      message: "Agent was not found",
    });
    expect(e).toBeInstanceOf(Error);
  });
});

// @ts-expect-error a code outside the union does not compile
void (() => new AppError("teapot", "x"));
// @ts-expect-error only the console's kill-switch pair may name another status
void (() => new AppError("forbidden", "x", { status: 409 }));
