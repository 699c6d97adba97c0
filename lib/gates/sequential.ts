/**
 * When a workflow canary's stage conversion is tested (pure; lib/gates/canary.ts reads the
 * cohorts). The phaseGates leader evaluates canaries every 15 s on data that keeps accumulating:
 * testing each time and rolling back on the first p < α would give a canary that converts
 * exactly like its baseline many chances to cross α by luck (repeated significance testing: the
 * false-rollback rate grows with the number of peeks, far past α).
 *
 * The scheme instead: a fixed number of *looks*, one each time the canary cohort's decided stage
 * changes reach CANARY_LOOKS[k] (30, 60, 120, … — every doubling from the minimum). A look's data
 * is fixed by the look, not by when it is evaluated: the canary's first n_k decided stage
 * changes (in creation order) and the baseline's decided stage changes created up to the n_k-th
 * one. Each look is tested at the Bonferroni-corrected level α / K (K = the number of looks), so
 * the chance that any of the K looks rolls back a canary no worse than its baseline is at most
 * K · α/K = α, however often the leader evaluates. After the last look conversion is no longer
 * tested automatically (a person still promotes or rolls back; the reversal and exception
 * criteria still apply).
 *
 * Bonferroni over group-sequential boundaries (O'Brien–Fleming, Pocock) because it needs no
 * numerical integration over the looks' joint distribution to be right, and is conservative
 * whatever their correlation; the price is a little power at the later looks.
 */
import { twoProportionZTest, type TTwoProportionResult } from "./two-proportion";

export const CANARY_ALPHA = 0.05;
/** the canary cohort's decided stage changes at each look: the minimum, then every doubling */
export const CANARY_LOOKS = [30, 60, 120, 240, 480, 960] as const;
/** the least the baseline cohort must have at a look for it to count */
export const CANARY_MIN_TRIALS = CANARY_LOOKS[0];
/** the one-sided p-value a look's drop must fall under: α / K */
export const LOOK_ALPHA = CANARY_ALPHA / CANARY_LOOKS.length;

/** One look's counts: canary (1) and baseline (2) as they stood at the look. */
export type TLookCounts = { n: number; x1: number; n1: number; x2: number; n2: number };

export type TLook = TLookCounts & {
  /** which look (1-based) */
  look: number;
  threshold: number;
  test: TTwoProportionResult | null;
  /** the baseline had fewer than CANARY_MIN_TRIALS: the look could not judge */
  judged: boolean;
  /** a significant drop at this look */
  failed: boolean;
};

/** One look judged at α / K: failed when the canary converts less with p < α / K. */
export function judgeLook(look: number, c: TLookCounts): TLook {
  const test = twoProportionZTest({ x1: c.x1, n1: c.n1, x2: c.x2, n2: c.n2 });
  const judged = c.n2 >= CANARY_MIN_TRIALS && test !== null;
  return {
    ...c,
    look,
    threshold: LOOK_ALPHA,
    test,
    judged,
    failed: judged && test!.p1 < test!.p2 && test!.pDrop < LOOK_ALPHA,
  };
}

/** How many looks a canary cohort of `n` decided stage changes has reached. */
export const looksReached = (n: number) => CANARY_LOOKS.filter((k) => n >= k).length;

/** The next look's cohort size, or null when every look has been taken. */
export const nextLook = (n: number) => CANARY_LOOKS.find((k) => n < k) ?? null;

/**
 * Judge the looks taken (given in order): the conversion criterion failed at the first look that
 * failed; not enough data when no look could judge yet.
 */
export function judgeLooks(looks: readonly TLookCounts[]) {
  const judged = looks.map((c, i) => judgeLook(i + 1, c));
  const failedAt = judged.find((l) => l.failed) ?? null;
  return {
    looks: judged,
    failedAt,
    /** null: no look could judge yet */
    failed: failedAt ? true : judged.some((l) => l.judged) ? false : null,
  };
}

/**
 * mulberry32: a small deterministic PRNG for the simulations that check the scheme (the unit
 * tests and anyone re-running them); returns floats in [0, 1).
 */
export function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
