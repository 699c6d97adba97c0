import { describe, expect, it } from "vitest";
import { loginDelayMs } from "./throttle";

const now = new Date("2026-11-23T12:00:00Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe("loginDelayMs", () => {
  it.each([
    ["no failures", [], 0],
    ["four failures", [ago(1), ago(2), ago(3), ago(4)], 0],
    ["five failures, the last 1 s ago → 29 s", [ago(1), ago(2), ago(3), ago(4), ago(5)], 29_000],
    ["five failures, the last 40 s ago → free", [ago(40), ago(41), ago(42), ago(43), ago(44)], 0],
    ["six failures doubles the wait", [ago(0), ago(2), ago(3), ago(4), ago(5), ago(6)], 60_000],
    [
      "failures older than 15 min do not count",
      [ago(901), ago(902), ago(903), ago(904), ago(905)],
      0,
    ],
  ] as const)("%s", (_name, failures, expected) => {
    expect(loginDelayMs([...failures], now)).toBe(expected);
  });

  it("caps the wait at 15 minutes", () => {
    const many = Array.from({ length: 30 }, (_, i) => ago(i));
    expect(loginDelayMs(many, now)).toBe(15 * 60_000);
  });
});
