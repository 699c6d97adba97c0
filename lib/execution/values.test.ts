import { describe, expect, it } from "vitest";
import { sameValue } from "./values";

describe("sameValue", () => {
  it.each([
    [null, undefined, true],
    [null, "", true],
    ["", 0, false],
    [50000, "50000", true],
    [50000, 50000.0, true],
    [50000, "50001", false],
    ["Closed Won", "Closed Won", true],
    ["Closed Won", "closed won", false],
    [true, "true", true],
    [false, true, false],
    ["2026-01-31", "2026-01-31", true],
    [{ a: 1 }, { a: 1 }, true],
    ["abc", null, false],
  ])("%j vs %j → %s", (a, b, same) => {
    expect(sameValue(a, b)).toBe(same);
    expect(sameValue(b, a)).toBe(same);
  });
});
