/**
 * A per-process memo with a short time-to-live, for configuration read on every agent call
 * (matrix rules, workflows, field ownership, kill switches). The TTL bounds how stale another
 * instance's change can look here: 500 ms keeps "a tripped switch refuses within 1 s".
 */
export function ttlCache<K, V>(ttlMs: number, load: (key: K) => Promise<V>) {
  const entries = new Map<K, { at: number; value: Promise<V> }>();
  return {
    get(key: K): Promise<V> {
      const hit = entries.get(key);
      const now = Date.now();
      if (hit && now - hit.at < ttlMs) return hit.value;
      const value = load(key);
      entries.set(key, { at: now, value });
      // a failed load is not remembered
      value.catch(() => entries.delete(key));
      return value;
    },
    clear() {
      entries.clear();
    },
  };
}
