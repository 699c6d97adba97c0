import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signPayload, verifySignature } from "./signing";

describe("webhook signatures", () => {
  const at = new Date("2026-11-23T12:00:00Z");
  const body = JSON.stringify({ text: "Overdue: ar_1" });

  it("is HMAC-SHA256 over '<t>.<body>', recomputable by any receiver", () => {
    const header = signPayload("s3cret", body, at);
    const t = at.getTime() / 1000;
    const expected = createHmac("sha256", "s3cret").update(`${t}.${body}`).digest("hex");
    expect(header).toBe(`t=${t},v1=${expected}`);
    expect(verifySignature("s3cret", body, header, { now: at })).toEqual({
      ok: true,
      timestamp: t,
    });
  });

  it("refuses a wrong secret, a changed body, a stale timestamp and garbage", () => {
    const header = signPayload("s3cret", body, at);
    expect(verifySignature("other", body, header, { now: at }).ok).toBe(false);
    expect(verifySignature("s3cret", body + " ", header, { now: at }).ok).toBe(false);
    const later = new Date(at.getTime() + 301_000);
    expect(verifySignature("s3cret", body, header, { now: later })).toEqual({
      ok: false,
      reason: "timestamp outside the tolerance",
    });
    expect(verifySignature("s3cret", body, "nonsense", { now: at }).ok).toBe(false);
    expect(verifySignature("s3cret", body, null, { now: at }).ok).toBe(false);
    expect(verifySignature("s3cret", body, "t=1,v1=zz", { now: at }).ok).toBe(false);
  });
});
