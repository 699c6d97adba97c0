import { describe, expect, it } from "vitest";
import { countdown } from "./countdown";

const NOW = Date.UTC(2026, 11, 3, 8, 0, 0);
const MIN = 60_000;

describe("elevation countdown", () => {
  it.each([
    [60 * MIN, "expires in 1 h 0 min"],
    [60 * MIN - 1, "expires in 59 min"],
    [59 * MIN + 30_000, "expires in 59 min"],
    [2 * 60 * MIN + 5 * MIN, "expires in 2 h 5 min"],
    [25 * 60 * MIN, "expires in 1 d 1 h"],
    [MIN, "expires in 1 min"],
    [MIN - 1, "expires in under a minute"],
    [1, "expires in under a minute"],
    [0, "expired"],
    [-1, "expired"],
    [-7 * 60 * MIN, "expired"],
  ])("%d ms left → %s", (left, text) => {
    expect(countdown(NOW + left, NOW)).toBe(text);
  });
});
