import { describe, expect, it } from "vitest";
import {
  ACCOUNT_RULE,
  ADDRESS_RULE,
  clientAddress,
  reserveAttempt,
  throttleWaitMs,
  trustedHops,
} from "./throttle";

const now = new Date("2026-11-23T12:00:00Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const c = (failures: number, lastSecondsAgo: number) => ({
  failures,
  lastFailureAt: ago(lastSecondsAgo),
});

describe("throttleWaitMs (account rule)", () => {
  it.each([
    ["no counter", null, 0],
    ["four failures", c(4, 1), 0],
    ["five failures, the last 1 s ago → 29 s", c(5, 1), 29_000],
    ["five failures, the last 40 s ago → free", c(5, 40), 0],
    ["six failures doubles the wait", c(6, 0), 60_000],
    ["seven failures doubles again", c(7, 0), 120_000],
    ["failures older than 15 min do not count", c(50, 901), 0],
    ["the wait is capped at 15 minutes", c(30, 0), 15 * 60_000],
  ] as const)("%s", (_name, counter, expected) => {
    expect(throttleWaitMs(counter, ACCOUNT_RULE, now)).toBe(expected);
  });

  it("gives an address more free tries than an account", () => {
    expect(throttleWaitMs(c(19, 0), ADDRESS_RULE, now)).toBe(0);
    expect(throttleWaitMs(c(20, 0), ADDRESS_RULE, now)).toBe(30_000);
  });
});

describe("reserveAttempt", () => {
  it("counts one more failure at now", () => {
    expect(reserveAttempt(c(3, 10), ACCOUNT_RULE, now)).toEqual({
      failures: 4,
      lastFailureAt: now,
    });
  });
  it("starts again after the window", () => {
    expect(reserveAttempt(c(9, 901), ACCOUNT_RULE, now)).toEqual({
      failures: 1,
      lastFailureAt: now,
    });
    expect(reserveAttempt(null, ACCOUNT_RULE, now)).toEqual({ failures: 1, lastFailureAt: now });
  });
});

describe("clientAddress", () => {
  it.each([
    ["no trusted proxy: x-forwarded-for is ignored", "1.2.3.4", undefined, null],
    ["no trusted proxy (false)", "1.2.3.4", "false", null],
    ["one proxy: the entry it appended", "6.6.6.6, 1.2.3.4", "true", "1.2.3.4"],
    ["one proxy given as 1", "6.6.6.6, 1.2.3.4", "1", "1.2.3.4"],
    ["two proxies", "6.6.6.6, 1.2.3.4, 10.0.0.2", "2", "1.2.3.4"],
    ["too few entries", "1.2.3.4", "2", null],
    ["IPv6", "2001:DB8::1", "1", "2001:db8::1"],
    ["not an address", "evil<script>", "1", null],
    ["no header", null, "1", null],
  ] as const)("%s", (_name, xff, trust, expected) => {
    expect(clientAddress(xff, trust)).toBe(expected);
  });

  it("refuses a malformed TOLLGATE_TRUST_PROXY", () => {
    expect(() => trustedHops("yes")).toThrow(/TOLLGATE_TRUST_PROXY/);
    expect(trustedHops(" 0 ")).toBe(0);
  });
});
