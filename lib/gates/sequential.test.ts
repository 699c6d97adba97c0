import { describe, expect, it } from "vitest";
import {
  CANARY_ALPHA,
  CANARY_LOOKS,
  LOOK_ALPHA,
  judgeLook,
  judgeLooks,
  looksReached,
  mulberry32,
  nextLook,
  type TLookCounts,
} from "./sequential";
import { twoProportionZTest } from "./two-proportion";

/**
 * One simulated canary: decided stage changes arrive one by one, each the canary's with
 * probability `share`, converting at the cohort's true rate; the leader evaluates after every
 * `every` arrivals (its 15 s). Returns whether the scheme rolled the canary back, and whether the
 * naive scheme (every evaluation tests all data so far at α, from 30 per cohort) would have.
 */
function simulate(
  seed: number,
  o: { pCanary: number; pBaseline: number; share?: number; every?: number },
) {
  const rand = mulberry32(seed);
  const share = o.share ?? 0.1;
  const every = o.every ?? 20;
  let n1 = 0;
  let x1 = 0;
  let n2 = 0;
  let x2 = 0;
  const looks: TLookCounts[] = [];
  let naive = false;
  let sequential = false;
  let fresh = false;
  const last = CANARY_LOOKS[CANARY_LOOKS.length - 1];
  for (let i = 1; n1 < last; i++) {
    if (rand() < share) {
      n1++;
      if (rand() < o.pCanary) x1++;
      // a look's data is what stood when the canary cohort reached its size
      if ((CANARY_LOOKS as readonly number[]).includes(n1)) {
        looks.push({ n: n1, x1, n1, x2, n2 });
        fresh = true;
      }
    } else {
      n2++;
      if (rand() < o.pBaseline) x2++;
    }
    if (i % every === 0) {
      // a look's data never changes once taken: judging it again decides nothing new
      if (fresh && !sequential && judgeLooks(looks).failed) sequential = true;
      fresh = false;
      if (!naive && n1 >= 30 && n2 >= 30) {
        const t = twoProportionZTest({ x1, n1, x2, n2 });
        if (t && t.p1 < t.p2 && t.pDrop < CANARY_ALPHA) naive = true;
      }
    }
  }
  if (!sequential && judgeLooks(looks).failed) sequential = true;
  return { sequential, naive };
}

function rollbackRate(runs: number, o: Parameters<typeof simulate>[1], firstSeed = 1) {
  let sequential = 0;
  let naive = 0;
  for (let s = 0; s < runs; s++) {
    const r = simulate(firstSeed + s, o);
    if (r.sequential) sequential++;
    if (r.naive) naive++;
  }
  return { sequential: sequential / runs, naive: naive / runs };
}

describe("canary looks", { timeout: 120_000 }, () => {
  it("looks at every doubling from the minimum, each at α / K", () => {
    expect(CANARY_LOOKS).toEqual([30, 60, 120, 240, 480, 960]);
    expect(LOOK_ALPHA).toBeCloseTo(0.05 / 6, 12);
    expect(looksReached(29)).toBe(0);
    expect(looksReached(30)).toBe(1);
    expect(looksReached(119)).toBe(2);
    expect(looksReached(5000)).toBe(6);
    expect(nextLook(0)).toBe(30);
    expect(nextLook(60)).toBe(120);
    expect(nextLook(960)).toBeNull();
  });

  it("judges a look at α / K, not α", () => {
    // canary 45 of 100 vs baseline 60 of 100: p = 0.0168 — under α, not under α / 6
    const l = judgeLook(1, { n: 100, x1: 45, n1: 100, x2: 60, n2: 100 });
    expect(l.test!.pDrop).toBeCloseTo(0.01684, 4);
    expect(l.judged).toBe(true);
    expect(l.failed).toBe(false);
    // 35 of 100: z = −3.6, p ≈ 0.0002
    expect(judgeLook(1, { n: 100, x1: 35, n1: 100, x2: 60, n2: 100 }).failed).toBe(true);
  });

  it("does not judge with a baseline under the minimum, nor a rise", () => {
    expect(judgeLook(1, { n: 30, x1: 0, n1: 30, x2: 20, n2: 29 }).judged).toBe(false);
    expect(judgeLooks([]).failed).toBeNull();
    expect(judgeLooks([{ n: 30, x1: 30, n1: 30, x2: 0, n2: 300 }]).failed).toBe(false);
  });

  it("fails at the first look that fails", () => {
    const r = judgeLooks([
      { n: 30, x1: 15, n1: 30, x2: 180, n2: 300 },
      { n: 60, x1: 20, n1: 60, x2: 360, n2: 600 },
    ]);
    expect(r.looks[0].failed).toBe(false);
    expect(r.failedAt?.look).toBe(2);
    expect(r.failed).toBe(true);
  });

  it("under the null, rolls back at most α of 2,000 canaries (the naive scheme far more)", () => {
    // both cohorts convert at 60 %; seeds 1…2000 (mulberry32), evaluated every 20 arrivals
    const r = rollbackRate(2000, { pCanary: 0.6, pBaseline: 0.6 });
    console.log(
      `false rollbacks over 2,000 null canaries: looks ${r.sequential}, naive ${r.naive}`,
    );
    // ± 0.01 ≈ two standard errors of a rate of 5 % over 2,000 runs
    expect(r.sequential).toBeLessThanOrEqual(CANARY_ALPHA + 0.01);
    // the defect this replaces: testing every evaluation at α inflates false rollbacks
    expect(r.naive).toBeGreaterThan(2 * CANARY_ALPHA);
  });

  it("holds at another conversion rate and canary share too", () => {
    const r = rollbackRate(2000, { pCanary: 0.3, pBaseline: 0.3, share: 0.05, every: 25 }, 10_001);
    expect(r.sequential).toBeLessThanOrEqual(CANARY_ALPHA + 0.01);
  });

  it("rolls back a canary whose conversion really dropped", () => {
    // 60 % → 45 %: caught in nearly every run
    expect(rollbackRate(200, { pCanary: 0.45, pBaseline: 0.6 }, 50_001).sequential).toBeGreaterThan(
      0.95,
    );
    // 60 % → 52 %: a smaller drop is still caught in most runs by the last look
    expect(rollbackRate(200, { pCanary: 0.52, pBaseline: 0.6 }, 70_001).sequential).toBeGreaterThan(
      0.5,
    );
  });

  it("mulberry32 is deterministic and uniform enough", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});
