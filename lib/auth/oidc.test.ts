import { describe, expect, it } from "vitest";
import { rolesFromClaim } from "./oidc";
import { signInErrorMessage } from "./sign-in-errors";
import type { TRole } from "./permissions";

describe("rolesFromClaim", () => {
  const map = new Map<string, TRole>([
    ["revops-leads", "ops_owner"],
    ["admin-ish", "approver"],
  ]);
  it.each([
    ["role names", ["viewer", "approver"], ["approver", "viewer"]],
    ["mapped values", ["revops-leads"], ["ops_owner"]],
    ["unknown values ignored", ["superuser", "Admin", "ADMIN", " admin"], []],
    ["a map entry wins over nothing", ["admin-ish"], ["approver"]],
    ["repeats once", ["viewer", "viewer"], ["viewer"]],
    ["one string", "viewer approver", ["approver", "viewer"]],
    ["comma-separated", "viewer,revops-leads", ["ops_owner", "viewer"]],
    ["non-strings skipped", ["viewer", 1, null, { role: "admin" }], ["viewer"]],
    ["missing claim", undefined, []],
    ["an object", { admin: true }, []],
    ["a number", 7, []],
  ] as const)("%s", (_name, value, expected) => {
    expect(rolesFromClaim(value, map)).toEqual(expected);
  });
});

describe("signInErrorMessage", () => {
  it("shows known codes' own words and a fixed text for anything else", () => {
    expect(signInErrorMessage("SsoEmailUnverified")).toMatch(/not verified your email/);
    expect(signInErrorMessage("OAuthCallback")).toMatch(/did not complete/);
    expect(signInErrorMessage("Call evil.example")).toBe("Sign-in failed. Try again.");
    expect(signInErrorMessage("constructor")).toBe("Sign-in failed. Try again.");
    expect(signInErrorMessage(["SsoDisabled"])).toBeNull();
    expect(signInErrorMessage(undefined)).toBeNull();
  });
});
