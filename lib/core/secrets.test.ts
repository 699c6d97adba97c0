import { beforeAll, describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./secrets";

describe("secrets at rest", () => {
  beforeAll(() => {
    process.env.TOLLGATE_SECRET_KEY = "unit-test-key";
  });

  it("round-trips and never stores the plaintext", () => {
    const stored = encryptSecret("s3cret-pässword");
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain("s3cret");
    expect(decryptSecret(stored)).toBe("s3cret-pässword");
    expect(encryptSecret("same")).not.toBe(encryptSecret("same"));
  });

  it("refuses a tampered value or another key", () => {
    const stored = encryptSecret("value");
    const parts = stored.split(".");
    parts[3] = Buffer.from("other").toString("base64url");
    expect(() => decryptSecret(parts.join("."))).toThrow();
    process.env.TOLLGATE_SECRET_KEY = "another-key";
    expect(() => decryptSecret(stored)).toThrow();
    process.env.TOLLGATE_SECRET_KEY = "unit-test-key";
    expect(() => decryptSecret("garbage")).toThrow("unreadable secret");
  });
});
