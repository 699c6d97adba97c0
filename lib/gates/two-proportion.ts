/**
 * The two-proportion z-test a workflow canary is judged by (pure; lib/gates/canary.ts feeds it
 * the cohorts' counts). H0: the canary converts at the baseline's rate. The statistic uses the
 * pooled proportion:
 *
 *   p̂ = (x₁ + x₂) / (n₁ + n₂),  se = √(p̂ (1 − p̂) (1/n₁ + 1/n₂)),  z = (x₁/n₁ − x₂/n₂) / se
 *
 * with 1 = canary and 2 = baseline. `pDrop` is the one-sided p-value of a drop, P(Z ≤ z): the
 * seed's criterion is "no statistically significant drop in stage conversion". `pTwoSided`
 * is given too for the page.
 */

/** Standard normal cumulative distribution, Φ(z) = erfc(−z/√2) / 2. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const x = -z / Math.SQRT2;
  return 0.5 * erfc(x);
}

/**
 * The complementary error function: 1 − erf by its Taylor series below 2.5, Lentz's continued
 * fraction above (where 1 − erf would cancel away the small p-values a canary is judged by).
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) return 1 - erfSeries(x);
  return erfcContinuedFraction(x);
}

/** erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)), summed until the terms vanish (x < 2.5). */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc(x) for x ≥ 2.5 by Lentz's continued fraction. */
function erfcContinuedFraction(x: number): number {
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let i = 1; i < 500; i++) {
    const a = i / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export type TTwoProportion = {
  /** canary: conversions and trials */
  x1: number;
  n1: number;
  /** baseline */
  x2: number;
  n2: number;
};

export type TTwoProportionResult = {
  p1: number;
  p2: number;
  pooled: number;
  se: number;
  z: number;
  /** one-sided: P(Z ≤ z), small when the canary converts significantly less */
  pDrop: number;
  pTwoSided: number;
};

/** The test, or null when a cohort is empty or the pooled rate is 0 or 1 (no variance). */
export function twoProportionZTest(t: TTwoProportion): TTwoProportionResult | null {
  for (const [x, n] of [
    [t.x1, t.n1],
    [t.x2, t.n2],
  ]) {
    if (!Number.isInteger(x) || !Number.isInteger(n) || x < 0 || n < 0 || x > n) {
      throw new RangeError(
        `conversions must be whole numbers between 0 and the trials (${x} of ${n})`,
      );
    }
  }
  if (t.n1 === 0 || t.n2 === 0) return null;
  const p1 = t.x1 / t.n1;
  const p2 = t.x2 / t.n2;
  const pooled = (t.x1 + t.x2) / (t.n1 + t.n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / t.n1 + 1 / t.n2));
  if (se === 0) return null;
  const z = (p1 - p2) / se;
  const pDrop = normalCdf(z);
  const pTwoSided = Math.min(1, 2 * normalCdf(-Math.abs(z)));
  return { p1, p2, pooled, se, z, pDrop, pTwoSided };
}
