import { describe, expect, it } from "vitest";
import { ttlCache } from "./ttl-cache";

/** A source whose value changes under the cache, and a clock the test moves. */
function setup(ttl = 1_000) {
  let t = 0;
  let value = "v1";
  let loads = 0;
  const fail = { next: false };
  const cache = ttlCache(
    ttl,
    async (k: string) => {
      loads++;
      if (fail.next) {
        fail.next = false;
        throw new Error("down");
      }
      return `${k}:${value}`;
    },
    { now: () => t },
  );
  return {
    cache,
    set: (v: string) => (value = v),
    at: (ms: number) => (t = ms),
    loads: () => loads,
    fail,
  };
}

describe("ttlCache", () => {
  it.each([
    // [ms after the load began, what a read sees after the source changed at 1 ms]
    [1, "k:v1"],
    [999, "k:v1"],
    [1_000, "k:v2"],
    [5_000, "k:v2"],
  ])(
    "a change is served stale at most ttl after the load began (read at %i ms → %s)",
    async (ms, seen) => {
      const s = setup();
      expect(await s.cache.get("k")).toBe("k:v1");
      s.set("v2");
      s.at(ms);
      expect(await s.cache.get("k")).toBe(seen);
    },
  );

  it("shares one load between concurrent misses", async () => {
    const s = setup();
    const [a, b] = await Promise.all([s.cache.get("k"), s.cache.get("k")]);
    expect([a, b, s.loads()]).toEqual(["k:v1", "k:v1", 1]);
  });

  it("does not remember a failed load", async () => {
    const s = setup();
    s.fail.next = true;
    await expect(s.cache.get("k")).rejects.toThrow("down");
    expect(await s.cache.get("k")).toBe("k:v1");
    expect(s.loads()).toBe(2);
  });

  it("a failed load does not evict the newer entry that replaced it", async () => {
    let t = 0;
    let release: (v: string) => void = () => {};
    let call = 0;
    const cache = ttlCache(
      1_000,
      (k: string) =>
        ++call === 1
          ? new Promise<string>((_, reject) => setTimeout(() => reject(new Error("slow fail")), 5))
          : new Promise<string>((resolve) => (release = resolve)).then((v) => `${k}:${v}`),
      { now: () => t },
    );
    const first = cache.get("k");
    t = 1_000; // expired while the first load is still running: a second load takes its place
    const second = cache.get("k");
    await expect(first).rejects.toThrow("slow fail");
    release("fresh");
    expect(await second).toBe("k:fresh");
    expect(await cache.get("k")).toBe("k:fresh");
    expect(call).toBe(2);
  });

  it("delete and clear make the next read load again", async () => {
    const s = setup();
    await s.cache.get("a");
    await s.cache.get("b");
    s.set("v2");
    s.cache.delete("a");
    expect(await s.cache.get("a")).toBe("a:v2");
    expect(await s.cache.get("b")).toBe("b:v1");
    s.cache.clear();
    expect(await s.cache.get("b")).toBe("b:v2");
  });

  it("drops expired entries once it holds maxEntries", async () => {
    let t = 0;
    let loads = 0;
    const cache = ttlCache(100, async (k: number) => (loads++, k), { now: () => t, maxEntries: 2 });
    await cache.get(1);
    await cache.get(2);
    t = 200;
    await cache.get(3); // 1 and 2 are expired: dropped
    t = 250;
    await cache.get(3);
    expect(loads).toBe(3);
  });
});
