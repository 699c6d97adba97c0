import { z } from "zod";

/**
 * How an agent's rate of one action type is judged (the method the /anomalies page describes).
 *
 * - Observed: the agent's requests of that type proposed in the last `windowMinutes`.
 * - Baseline samples: the agent's hourly counts of that type (the metrics rollup, MetricHour) in
 *   the same hour of day on each of the previous 14 days, and in the 3 hours before the current
 *   one — each scaled to the window (count × windowMinutes / 60). Hours before the agent's first
 *   proposal of any type are not samples (a new agent is not compared with days it did not exist);
 *   hours since without a row are zeros.
 * - Expected = the median of the samples; spread = 1.4826 × their median absolute deviation
 *   (a robust standard deviation: one earlier spike does not move it), floored at the Poisson
 *   noise of the expected count, √expected, and at 1 — so an agent whose history is flat (MAD 0)
 *   does not fire on one request more than usual.
 * - Score = (observed − expected) / spread. The rule fires when the score is at least
 *   `zThreshold` and observed is at least `minCount`: the floor that keeps a quiet or brand-new
 *   agent (no samples: expected 0) from firing on a handful of requests —
 * - and when the trailing hour (the last 60 minutes) also scores at least `zThreshold` against the
 *   same hourly samples, unscaled. The samples are whole hours, so they cannot tell a burst from
 *   a spike: an agent whose usual hour arrives in one ten-minute burst would score high in every
 *   burst's window. Its trailing hour holds one usual hour, and does not fire; a real spike lifts
 *   the hour too. The price: a spike must be large enough to show against the whole hour's
 *   spread (at a steady rate, a window score about √(60 / window) times the threshold).
 * - Writes: an agent's requests of the type, unless refused (denied, discarded, expired), on both
 *   sides as each request stands now. A request in the window waiting for a person counts until
 *   it is refused, while the baseline's refused requests are out: an agent whose proposals are
 *   mostly refused later, by people, reads a little high (by the share refused).
 */
export const BASELINE_DAYS = 14;
export const RECENT_HOURS = 3;

export type TScore = {
  observed: number;
  expected: number;
  scale: number;
  score: number;
  samples: number;
  /** the trailing hour's score against the hourly samples, where it was given */
  hourScore?: number;
  fires: boolean;
};

export function median(xs: readonly number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function scoreWindow(input: {
  observed: number;
  /** hourly counts of the baseline hours */
  hourly: readonly number[];
  windowMinutes: number;
  zThreshold: number;
  minCount: number;
  /** requests in the last 60 minutes; without it, the window alone decides */
  trailingHour?: number;
}): TScore {
  const perWindow = input.hourly.map((n) => (n * input.windowMinutes) / 60);
  const { expected, scale, score } = robust(perWindow, input.observed);
  const hour = input.trailingHour === undefined ? null : robust(input.hourly, input.trailingHour);
  return {
    observed: input.observed,
    expected,
    scale,
    score,
    samples: perWindow.length,
    hourScore: hour?.score,
    fires:
      input.observed >= input.minCount &&
      score >= input.zThreshold &&
      (!hour || hour.score >= input.zThreshold),
  };
}

function robust(samples: readonly number[], observed: number) {
  const expected = median(samples);
  const mad = median(samples.map((x) => Math.abs(x - expected)));
  const scale = Math.max(1.4826 * mad, Math.sqrt(expected), 1);
  return { expected, scale, score: (observed - expected) / scale };
}

/** A rule's settings as the form sends them and the route checks them (one schema for both). */
export const ZAnomalyRuleInput = z
  .object({
    // null: every agent / every action type
    agentId: z.string().trim().min(1).max(64).nullable(),
    actionTypeId: z.string().trim().min(1).max(64).nullable(),
    enabled: z.boolean(),
    windowMinutes: z
      .number({ message: "Give the window in minutes" })
      .int("Whole minutes")
      .min(5, "The window is at least 5 minutes")
      .max(60, "The window is at most 60 minutes"),
    zThreshold: z
      .number({ message: "Give the score threshold" })
      .min(2, "A threshold under 2 fires on ordinary noise")
      .max(100, "At most 100"),
    minCount: z
      .number({ message: "Give the minimum count" })
      .int("A whole number of requests")
      .min(1, "At least 1 request")
      .max(100_000, "At most 100,000"),
    autoTrip: z.boolean(),
    reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(2000),
  })
  .strict();
export type TAnomalyRuleInput = z.input<typeof ZAnomalyRuleInput>;

/** What applies where no rule row does. */
export const DEFAULT_RULE = {
  enabled: true,
  windowMinutes: 10,
  zThreshold: 6,
  minCount: 30,
  autoTrip: false,
} as const;

export const ruleScopeKey = (agentId: string | null, actionTypeId: string | null) =>
  `${agentId ?? "*"}:${actionTypeId ?? "*"}`;
