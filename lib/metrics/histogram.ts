/** The counters of MetricHour and MetricDay (beside the two histograms), in column order. */
export const COUNTERS = [
  "proposed",
  "open",
  "observed",
  "refused",
  "writes",
  "reverted",
  "drifted",
  "executed",
  "failed",
  "deadLettered",
  "conflicts",
  "exceptions",
  "humanDecided",
  "slaMeasured",
  "withinSla",
  "decisionMsSum",
  "cycleMsSum",
] as const;

/**
 * Durations as the rollups keep them: a count per bucket, so percentiles of any selection of
 * buckets can be read from their sums. Bucket i holds durations ≤ EDGES_MS[i] (and above the
 * previous edge); the last bucket holds everything longer.
 */
export const EDGES_MS = [
  1_000,
  5_000,
  15_000,
  60_000,
  2 * 60_000,
  5 * 60_000,
  15 * 60_000,
  30 * 60_000,
  3_600_000,
  2 * 3_600_000,
  4 * 3_600_000,
  8 * 3_600_000,
  24 * 3_600_000,
  3 * 24 * 3_600_000,
] as const;

/** How many buckets a histogram has: one per edge and one for longer. */
export const BUCKETS = EDGES_MS.length + 1;

/** Element-wise sum of histograms (missing or short ones count as zeros). */
export function addHistograms(a: readonly number[], b: readonly number[] | null | undefined) {
  const out = Array.from({ length: BUCKETS }, (_, i) => (a[i] ?? 0) + (b?.[i] ?? 0));
  return out;
}

/**
 * The q-quantile (0 < q ≤ 1) as the upper edge of the bucket it falls in: "at most this long"
 * (null when empty; Infinity when it falls in the open-ended last bucket).
 */
export function quantileMs(hist: readonly number[], q: number): number | null {
  const total = hist.reduce((s, n) => s + n, 0);
  if (!total) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += hist[i] ?? 0;
    if (seen >= rank) return i < EDGES_MS.length ? EDGES_MS[i] : Infinity;
  }
  return Infinity;
}

/** The bucket a duration falls in (the same rule the rollup's SQL applies). */
export function bucketOf(ms: number) {
  const i = EDGES_MS.findIndex((e) => ms <= e);
  return i < 0 ? EDGES_MS.length : i;
}
