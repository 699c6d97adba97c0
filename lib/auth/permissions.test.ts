import { describe, expect, it } from "vitest";
import { can, PERMISSIONS, ROLES, type TPermission } from "./permissions";

describe("permission table", () => {
  const cases: [string[], TPermission, boolean][] = [
    [["viewer"], "agents:read", true],
    [["viewer"], "policy:read", true],
    [["viewer"], "metrics:read", true],
    [["viewer"], "users:read", false],
    [["viewer"], "agents:write", false],
    [["admin"], "agents:elevate", true],
    [["ops_owner"], "agents:elevate", false],
    [["risk_owner"], "agents:elevate", false],
    [["risk_owner"], "permission_reviews:write", true],
    [["ops_owner"], "permission_reviews:write", false],
    [["viewer"], "kill_switches:write", false],
    [["viewer"], "inbox:decide", false],
    [["approver"], "inbox:decide", true],
    [["ops_owner"], "dead_letters:write", true],
    [["system_owner"], "dead_letters:read", true],
    [["system_owner"], "dead_letters:write", false],
    [["viewer"], "dead_letters:read", false],
    [["approver"], "dead_letters:read", false],
    [["approver"], "policy:edit", false],
    [["ops_owner"], "policy:edit", true],
    [["ops_owner"], "policy:publish", false],
    [["risk_owner"], "policy:publish", true],
    [["risk_owner"], "policy:edit", false],
    [["ops_owner"], "users:read", false],
    [["system_owner"], "field_ownership:write", true],
    [["risk_owner"], "field_ownership:write", true],
    [["ops_owner"], "field_ownership:write", true],
    [["approver"], "field_ownership:write", false],
    [["ops_owner"], "grants:write", true],
    [["admin"], "grants:write", true],
    [["risk_owner"], "grants:write", false],
    [["viewer"], "grants:write", false],
    [["risk_owner"], "environments:write", false],
    [["admin"], "users:write", true],
    [["admin"], "groups:write", true],
    [["ops_owner"], "groups:read", true],
    [["ops_owner"], "groups:write", false],
    [["approver"], "groups:read", false],
    [["system_owner"], "retry_policies:read", true],
    [["system_owner"], "retry_policies:write", false],
    [["admin"], "retry_policies:write", true],
    [["ops_owner"], "audit:verify", true],
    [["viewer"], "audit:read", true],
    [["viewer"], "audit:verify", false],
    [["approver"], "audit:verify", false],
    [["admin"], "kill_switches:write", true],
    [["viewer"], "requests:read", true],
    [["viewer"], "requests:revert", false],
    [["approver"], "requests:revert", false],
    [["ops_owner"], "requests:revert", true],
    [[], "agents:read", false],
    [["viewer", "approver"], "inbox:decide", true],
    [["not_a_role"], "agents:read", false],
  ];
  it.each(cases)("%j may %s → %s", (roles, permission, expected) => {
    expect(can(roles, permission)).toBe(expected);
  });

  it("names only known roles", () => {
    for (const roles of Object.values(PERMISSIONS)) {
      for (const r of roles) expect(ROLES).toContain(r);
    }
  });

  it("gives admin every permission", () => {
    for (const p of Object.keys(PERMISSIONS) as TPermission[]) {
      expect(can(["admin"], p)).toBe(true);
    }
  });
});
