import { describe, expect, it } from "vitest";
import { addHistograms, BUCKETS, bucketOf, EDGES_MS, quantileMs } from "./histogram";

describe("duration histograms", () => {
  it("puts a duration in the first bucket whose edge holds it", () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1_000)).toBe(0);
    expect(bucketOf(1_001)).toBe(1);
    expect(bucketOf(EDGES_MS.at(-1)! + 1)).toBe(EDGES_MS.length);
  });

  it("reads a quantile as the upper edge of its bucket", () => {
    const h = Array<number>(BUCKETS).fill(0);
    h[bucketOf(3_000)] = 5; // ≤ 5 s
    h[bucketOf(10 * 60_000)] = 4; // ≤ 15 min
    h[bucketOf(10 * 24 * 3_600_000)] = 1; // longer than 3 days
    expect(quantileMs(h, 0.5)).toBe(5_000);
    expect(quantileMs(h, 0.6)).toBe(15 * 60_000);
    expect(quantileMs(h, 0.9)).toBe(15 * 60_000);
    expect(quantileMs(h, 1)).toBe(Infinity);
    expect(quantileMs(Array(BUCKETS).fill(0), 0.5)).toBeNull();
  });

  it("adds histograms element by element", () => {
    expect(addHistograms([1, 2], [3])).toEqual([4, 2, ...Array(BUCKETS - 2).fill(0)]);
    expect(addHistograms([1], null)[0]).toBe(1);
  });
});
