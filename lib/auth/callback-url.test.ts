import { describe, expect, it } from "vitest";
import { safeCallbackPath, sameOriginRedirect } from "./callback-url";

describe("safeCallbackPath", () => {
  it.each([
    ["a console path", "/agents", "/agents"],
    ["a path with a query", "/inbox?request=abc&x=1", "/inbox?request=abc&x=1"],
    ["a hash", "/policy#rules", "/policy#rules"],
    ["protocol-relative", "//evil.example", "/agents"],
    ["backslash (decoded %5C)", "/\\evil.example", "/agents"],
    ["encoded backslash", "/%5Cevil.example", "/agents"],
    ["encoded slash pair", "/%2F%2Fevil.example", "/agents"],
    ["double slash after decoding", "%2F%2Fevil.example", "/agents"],
    ["tab inside", "/\t/evil.example", "/agents"],
    ["newline inside", "/\n/evil.example", "/agents"],
    ["absolute URL", "https://evil.example/agents", "/agents"],
    ["dot segment before a double slash", "/.//evil.example", "/agents"],
    ["dot-dot segment before a double slash", "/..//evil.example", "/agents"],
    ["double slash after a resolved segment", "/inbox/..//evil.example/x", "/agents"],
    ["encoded dot segment", "/%2E//evil.example", "/agents"],
    ["javascript:", "javascript:alert(1)", "/agents"],
    ["relative without slash", "agents", "/agents"],
    ["malformed escape", "/%E0%A4%A", "/agents"],
    ["the login page (a loop)", "/login?callbackUrl=/agents", "/agents"],
    ["next-auth endpoints", "/api/auth/signout", "/agents"],
    ["empty", "", "/agents"],
    ["not a string", ["/agents"], "/agents"],
    ["dot segments stay on-site", "/a/../inbox", "/inbox"],
  ] as const)("%s", (_name, raw, expected) => {
    expect(safeCallbackPath(raw)).toBe(expected);
  });
});

describe("sameOriginRedirect", () => {
  const base = "http://localhost:3100";
  it.each([
    ["a path", "/inbox?request=1", "http://localhost:3100/inbox?request=1"],
    ["same origin absolute", "http://localhost:3100/agents", "http://localhost:3100/agents"],
    ["another origin", "https://evil.example/", "http://localhost:3100/"],
    ["another port", "http://localhost:3101/agents", "http://localhost:3100/"],
    ["encoded backslash", "/%5Cevil.example", "http://localhost:3100/"],
    ["protocol-relative", "//evil.example", "http://localhost:3100/"],
    ["dot segment before a double slash", "/.//evil.example", "http://localhost:3100/"],
    ["javascript:", "javascript:alert(1)", "http://localhost:3100/"],
    ["sign-out to the sign-in page", "/login", "http://localhost:3100/login"],
  ] as const)("%s", (_name, url, expected) => {
    expect(sameOriginRedirect(url, base)).toBe(expected);
  });
});
