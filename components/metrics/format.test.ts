import { describe, expect, it } from "vitest";
import { atMost, count, duration, percent, pointsChange } from "./format";

describe("metric figures in words", () => {
  it("writes rates, counts and durations as people read them", () => {
    expect(percent(0.0123)).toBe("1.2%");
    expect(percent(null)).toBe("—");
    expect(count(1234567)).toBe("1,234,567");
    expect(count(12)).toBe("12");
    expect(duration(45_000)).toBe("45 s");
    expect(duration(12 * 60_000)).toBe("12 min");
    expect(duration(2 * 3_600_000)).toBe("2.0 h");
    expect(duration(3 * 86_400_000)).toBe("3.0 d");
    expect(atMost(300_000)).toBe("≤ 5 min");
    expect(atMost(null)).toBe("—");
    expect(atMost(1, true)).toBe("> 3.0 d");
  });

  it("gives a rate's change in percentage points, or nothing without both", () => {
    expect(pointsChange(0.05, 0.02)).toBeCloseTo(3);
    expect(pointsChange(null, 0.02)).toBeNull();
  });
});
