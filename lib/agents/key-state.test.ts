import { describe, expect, it } from "vitest";
import { keyState } from "./key-state";

const now = new Date("2025-06-01T12:00:00Z");
const before = new Date("2025-06-01T11:00:00Z");
const after = new Date("2025-06-01T13:00:00Z");

describe("keyState", () => {
  it.each([
    [{ revokedAt: null, expiresAt: null, rotatedAt: null }, "active"],
    [{ revokedAt: null, expiresAt: after, rotatedAt: null }, "active"],
    [{ revokedAt: null, expiresAt: after, rotatedAt: before }, "grace"],
    [{ revokedAt: null, expiresAt: now, rotatedAt: before }, "expired"],
    [{ revokedAt: null, expiresAt: before, rotatedAt: null }, "expired"],
    [{ revokedAt: before, expiresAt: after, rotatedAt: before }, "revoked"],
    [{ revokedAt: before, expiresAt: null, rotatedAt: null }, "revoked"],
  ] as const)("%o → %s", (k, expected) => {
    expect(keyState(k, now)).toBe(expected);
  });
});
