/**
 * Sign-in throttling, pure: given the recent failures for an email, how long must the
 * next attempt wait? Five free tries, then the wait doubles per failure (capped at 15 min).
 */
export const FREE_ATTEMPTS = 5;
export const WINDOW_MS = 15 * 60_000;
const BASE_DELAY_MS = 30_000;

export function loginDelayMs(recentFailures: Date[], now: Date): number {
  const inWindow = recentFailures
    .filter((d) => now.getTime() - d.getTime() < WINDOW_MS)
    .sort((a, b) => b.getTime() - a.getTime());
  if (inWindow.length < FREE_ATTEMPTS) return 0;
  const over = inWindow.length - FREE_ATTEMPTS;
  const delay = Math.min(BASE_DELAY_MS * 2 ** over, WINDOW_MS);
  const waitUntil = inWindow[0].getTime() + delay;
  return Math.max(0, waitUntil - now.getTime());
}
