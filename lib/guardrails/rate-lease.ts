/**
 * Calls counted ahead: an agent calling fast has the admission statement (`admitCall`,
 * rate-limit.ts) count a few more calls than are waiting, and this process hands those places
 * out one per call without a statement. Each place is an exact position in every window (the
 * statement added them atomically, so no other instance holds the same one), so a call admitted
 * here is admitted exactly as if its own statement had counted it: the limit is never exceeded.
 * What is counted ahead is small against what the window has left (`aheadFor`), so near a limit
 * every call is counted by a statement as before; places unused for `IDLE_MS` are given back.
 *
 * Pure bookkeeping (the clock is passed in); rate-limit.ts runs the statements.
 */

/** Calls of one key in the last DEMAND_MS at least this many: count ahead (else never). */
export const BUSY_CALLS = 16;
const DEMAND_MS = 250;
/** At most this many places counted ahead per key and statement. */
export const MAX_AHEAD = 1024;
/** Places left unused this long go back to the counters. */
export const IDLE_MS = 1_000;
/** Of what a window has left after the waiting calls, at most this share is counted ahead. */
export const AHEAD_SHARE = 16;

export type TLeaseWindows = { agentId: string; kinds: string[]; starts: Date[] };

type TLease = TLeaseWindows & {
  /** per window, the position of place 0 */
  base: number[];
  /** per window, the limit when the places were counted: another limit drops the lease */
  limits: number[];
  next: number;
  end: number;
  /** places handed out and given back (a replay is not counted) */
  returned: number[];
  touchedAt: number;
};

export type TPlace = { positions: number[]; giveBack: () => void };

export class RateLeases {
  private leases = new Map<string, TLease>();
  private calls = new Map<string, { from: number; n: number; previous: number }>();

  /** Notes `n` calls of `key` at `now`; returns how many places to count ahead for it. */
  aheadWanted(key: string, n: number, now: number): number {
    const recent = this.noteCalls(key, n, now);
    return recent >= BUSY_CALLS ? Math.min(MAX_AHEAD, 2 * recent) : 0;
  }

  /**
   * A place for one call of `key`, or null: none held, or `limits` are not those the places were
   * counted under. Whether the place is within a limit is the caller's to check (its position).
   */
  take(key: string, limits: number[], now: number): TPlace | null {
    const lease = this.leases.get(key);
    if (!lease) return null;
    const k = lease.returned.pop() ?? (lease.next < lease.end ? lease.next++ : null);
    if (k === null) {
      this.leases.delete(key);
      return null;
    }
    if (limits.some((l, i) => l !== lease.limits[i])) {
      // a limit changed since (the window may be past a lowered one by now): what is left goes
      // back with the next sweep, and calls are counted by statements again
      lease.returned.push(k);
      lease.touchedAt = -Infinity;
      return null;
    }
    lease.touchedAt = now;
    this.noteCalls(key, 1, now);
    let given = false;
    return {
      positions: lease.base.map((b) => b + k),
      giveBack: () => {
        if (given || this.leases.get(key) !== lease) return;
        given = true;
        lease.returned.push(k);
      },
    };
  }

  /** `count` places counted ahead by a statement, position of the first per window in `base`. */
  add(
    key: string,
    windows: TLeaseWindows,
    at: { base: number[]; limits: number[] },
    count: number,
    now: number,
  ) {
    if (count <= 0) return;
    const old = this.leases.get(key);
    // a lease still holding places (its limits changed): given back with the next sweep
    if (old && unused(old) > 0) this.orphans.push(old);
    this.leases.set(key, { ...windows, ...at, next: 0, end: count, returned: [], touchedAt: now });
  }

  private orphans: TLease[] = [];

  /** Leases idle for IDLE_MS (and replaced ones): removed; what each leaves unused, to give back. */
  takeIdle(now: number, idleMs = IDLE_MS): (TLeaseWindows & { unused: number })[] {
    const out: (TLeaseWindows & { unused: number })[] = [];
    for (const [key, lease] of this.leases) {
      if (now - lease.touchedAt < idleMs) continue;
      this.leases.delete(key);
      if (unused(lease) > 0) out.push({ ...windowsOf(lease), unused: unused(lease) });
    }
    for (const lease of this.orphans.splice(0)) {
      if (unused(lease) > 0) out.push({ ...windowsOf(lease), unused: unused(lease) });
    }
    this.forgetQuiet(now);
    return out;
  }

  /** Keys (one per agent and window) not called lately: their demand is zero anyway. */
  private forgotAt = -Infinity;
  private forgetQuiet(now: number) {
    this.forgotAt = now;
    for (const [key, c] of this.calls) if (now - c.from > 4 * DEMAND_MS) this.calls.delete(key);
  }

  /** Whether anything is held (the sweep runs only then). */
  get size() {
    return this.leases.size + this.orphans.length;
  }

  /** Calls of `key` in about the last DEMAND_MS, counting `n` more at `now`. */
  private noteCalls(key: string, n: number, now: number): number {
    if (this.calls.size > 256 && now - this.forgotAt >= DEMAND_MS) this.forgetQuiet(now);
    let c = this.calls.get(key);
    if (!c || now - c.from >= 2 * DEMAND_MS) c = { from: now, n: 0, previous: 0 };
    else if (now - c.from >= DEMAND_MS) c = { from: c.from + DEMAND_MS, n: 0, previous: c.n };
    c.n += n;
    this.calls.set(key, c);
    // the current bucket plus the share of the previous one still inside the last DEMAND_MS
    const share = 1 - Math.min(1, (now - c.from) / DEMAND_MS);
    return c.n + Math.round(c.previous * share);
  }
}

const unused = (l: TLease) => l.end - l.next + l.returned.length;
const windowsOf = (l: TLease): TLeaseWindows => ({
  agentId: l.agentId,
  kinds: l.kinds,
  starts: l.starts,
});
