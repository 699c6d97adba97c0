const MINUTE_MS = 60_000;

/**
 * How long an elevation has left, as the agent page says it: "expires in 59 min",
 * "expires in 2 h 5 min", "expires in 3 d 4 h", "expires in under a minute", then "expired"
 * (from `validUntil` itself on, as the policy counts: a grant is lapsed at its end instant).
 * Whole minutes are rounded down, so the text never promises more time than is left.
 */
export function countdown(validUntilMs: number, nowMs: number): string {
  const left = validUntilMs - nowMs;
  if (left <= 0) return "expired";
  if (left < MINUTE_MS) return "expires in under a minute";
  const minutes = Math.floor(left / MINUTE_MS);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `expires in ${m} min`;
  if (h < 24) return `expires in ${h} h ${m} min`;
  return `expires in ${Math.floor(h / 24)} d ${h % 24} h`;
}
