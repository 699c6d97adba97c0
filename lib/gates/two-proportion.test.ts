import { describe, expect, it } from "vitest";
import { erfc, normalCdf, twoProportionZTest } from "./two-proportion";

describe("two-proportion z-test", () => {
  it("matches a hand computation", () => {
    // canary 45 of 100, baseline 60 of 100:
    // pooled = 105 / 200 = 0.525
    // se = √(0.525 × 0.475 × (1/100 + 1/100)) = √0.0049875 = 0.0706222
    // z = (0.45 − 0.60) / 0.0706222 = −2.12398
    // Φ(−2.12) = 0.01700 and Φ(−2.13) = 0.01659 in the normal table; interpolated at −2.124:
    // 0.01700 − 0.398 × 0.00041 = 0.01684
    const r = twoProportionZTest({ x1: 45, n1: 100, x2: 60, n2: 100 })!;
    expect(r.p1).toBe(0.45);
    expect(r.p2).toBe(0.6);
    expect(r.pooled).toBeCloseTo(0.525, 12);
    expect(r.se).toBeCloseTo(0.0706222, 6);
    expect(r.z).toBeCloseTo(-2.12398, 4);
    expect(r.pDrop).toBeCloseTo(0.01684, 4);
    expect(r.pTwoSided).toBeCloseTo(2 * 0.01684, 4);
  });

  it("reads a rise as no drop", () => {
    const r = twoProportionZTest({ x1: 60, n1: 100, x2: 45, n2: 100 })!;
    expect(r.z).toBeCloseTo(2.12398, 4);
    expect(r.pDrop).toBeCloseTo(1 - 0.01684, 4);
  });

  it("has no answer without variance or without trials", () => {
    expect(twoProportionZTest({ x1: 0, n1: 0, x2: 5, n2: 10 })).toBeNull();
    expect(twoProportionZTest({ x1: 10, n1: 10, x2: 20, n2: 20 })).toBeNull();
    expect(twoProportionZTest({ x1: 0, n1: 10, x2: 0, n2: 20 })).toBeNull();
  });

  it("refuses counts that are not counts", () => {
    expect(() => twoProportionZTest({ x1: 11, n1: 10, x2: 1, n2: 2 })).toThrow(RangeError);
    expect(() => twoProportionZTest({ x1: -1, n1: 10, x2: 1, n2: 2 })).toThrow(RangeError);
    expect(() => twoProportionZTest({ x1: 1.5, n1: 10, x2: 1, n2: 2 })).toThrow(RangeError);
  });

  it.each([
    // z, Φ(z) from the standard normal table
    [0, 0.5],
    [-1.96, 0.0249979],
    [1.6449, 0.95],
    [-3, 0.0013499],
    [-5, 2.8665e-7],
    [-8, 6.221e-16],
  ])("Φ(%d) = %d", (z, p) => {
    expect(normalCdf(z) / p).toBeCloseTo(1, 4);
  });

  it.each([
    // x, erfc(x) to 15 digits (a reference implementation), on both sides of where the two methods meet
    [1, 0.157299207050285],
    [2.4999999, 0.000406952235273436],
    [2.5, 0.000406952017444959],
    [3, 2.20904969985854e-5],
  ])("erfc(%d) = %d", (x, v) => {
    expect(erfc(x) / v).toBeCloseTo(1, 10);
    expect(erfc(-x) + erfc(x)).toBeCloseTo(2, 12);
  });
});
