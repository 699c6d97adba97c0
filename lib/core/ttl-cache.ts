/**
 * A per-process memo with a short time-to-live, for what the agent API reads on every call
 * (API keys, matrix rules, workflows, field ownership, grants, kill switches). The TTL bounds how
 * stale another instance's change can look here: an entry is served for at most `ttlMs` after
 * its load BEGAN, so a change committed before a load starts is seen by every instance within
 * `ttlMs` of the commit. Concurrent misses share one load; a failed load is not remembered.
 * Values are shared by every request of the process: callers must not change them.
 */
export function ttlCache<K, V>(
  ttlMs: number,
  load: (key: K) => Promise<V>,
  opts: { now?: () => number; maxEntries?: number } = {},
) {
  const clock = opts.now ?? Date.now;
  const maxEntries = opts.maxEntries ?? 10_000;
  const entries = new Map<K, { at: number; value: Promise<V> }>();
  return {
    get(key: K): Promise<V> {
      const hit = entries.get(key);
      const now = clock();
      if (hit && now - hit.at < ttlMs) return hit.value;
      if (entries.size >= maxEntries) {
        for (const [k, e] of entries) if (now - e.at >= ttlMs) entries.delete(k);
      }
      const entry = { at: now, value: load(key) };
      entries.set(key, entry);
      // a failed load is not remembered (unless a newer load already took its place)
      entry.value.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      return entry.value;
    },
    /** Forget one key: the next get loads it again (a change made in this process). */
    delete(key: K) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}
