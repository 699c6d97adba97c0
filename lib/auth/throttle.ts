/**
 * Sign-in throttling, pure. A counter holds the failures of one key (an account, or a client
 * address) and when the last one happened. Up to `free` failures cost nothing; after that
 * each attempt must wait a delay that doubles per failure (capped). A counter whose last
 * failure is older than the window starts again from zero. Refused attempts are not
 * evaluated and do not count: only attempts that reach the password check do (see sign-in.ts,
 * which reserves them atomically before checking).
 */
export type TThrottleRule = {
  free: number;
  baseDelayMs: number;
  maxDelayMs: number;
  windowMs: number;
};
export type TThrottleCounter = { failures: number; lastFailureAt: Date };

const WINDOW_MS = 15 * 60_000;

/** Per account (and per address, when the client address is known): five free tries. */
export const ACCOUNT_RULE: TThrottleRule = {
  free: 5,
  baseDelayMs: 30_000,
  maxDelayMs: WINDOW_MS,
  windowMs: WINDOW_MS,
};

/** Per client address over every account: room for an office behind one address. */
export const ADDRESS_RULE: TThrottleRule = {
  free: 20,
  baseDelayMs: 30_000,
  maxDelayMs: WINDOW_MS,
  windowMs: WINDOW_MS,
};

/** Failures that still count at `now` (0 once the window has passed). */
function liveFailures(counter: TThrottleCounter | null, rule: TThrottleRule, now: Date): number {
  if (!counter) return 0;
  return now.getTime() - counter.lastFailureAt.getTime() >= rule.windowMs ? 0 : counter.failures;
}

/** How long the next attempt must wait (0 = it may be evaluated now). */
export function throttleWaitMs(
  counter: TThrottleCounter | null,
  rule: TThrottleRule,
  now: Date,
): number {
  const failures = liveFailures(counter, rule, now);
  if (!counter || failures < rule.free) return 0;
  const delay = Math.min(rule.baseDelayMs * 2 ** (failures - rule.free), rule.maxDelayMs);
  return Math.max(0, counter.lastFailureAt.getTime() + delay - now.getTime());
}

/** The counter once an attempt is reserved (counted as a failure until it succeeds). */
export function reserveAttempt(
  counter: TThrottleCounter | null,
  rule: TThrottleRule,
  now: Date,
): TThrottleCounter {
  return { failures: liveFailures(counter, rule, now) + 1, lastFailureAt: now };
}

/**
 * The client address for throttling. `x-forwarded-for` is whatever the client sent unless
 * a proxy we trust rewrites it (`next start` fills it from the socket only when it is absent),
 * so it is read only when TOLLGATE_TRUST_PROXY says how many proxies append to it: the
 * address the outermost trusted proxy saw is that many entries from the right.
 */
export function clientAddress(
  forwardedFor: string | null | undefined,
  trustProxy: string | undefined,
) {
  const hops = trustedHops(trustProxy);
  if (!hops || !forwardedFor) return null;
  const list = forwardedFor
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const ip = list[list.length - hops];
  return ip && /^[0-9a-fA-F:.]{2,45}$/.test(ip) ? ip.toLowerCase() : null;
}

export function trustedHops(value: string | undefined): number {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "" || v === "0" || v === "false") return 0;
  if (v === "true") return 1;
  if (/^[1-9]$/.test(v)) return Number(v);
  throw new Error(
    `TOLLGATE_TRUST_PROXY must be unset, false, true or the number of proxies (1-9); got "${value}"`,
  );
}
