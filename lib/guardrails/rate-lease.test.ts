import { describe, expect, it } from "vitest";
import { BUSY_CALLS, IDLE_MS, MAX_AHEAD, RateLeases } from "./rate-lease";

const windows = { agentId: "ag_1", kinds: ["calls_minute"], starts: [new Date(0)] };

describe("RateLeases", () => {
  it("counts ahead only for a key called fast, twice its recent calls, at most MAX_AHEAD", () => {
    const l = new RateLeases();
    expect(l.aheadWanted("k", 1, 0)).toBe(0);
    expect(l.aheadWanted("k", BUSY_CALLS - 2, 10)).toBe(0);
    expect(l.aheadWanted("k", 1, 20)).toBe(2 * BUSY_CALLS);
    expect(l.aheadWanted("k", 5_000, 30)).toBe(MAX_AHEAD);
    // quiet for a while: back to counting call by call
    expect(l.aheadWanted("k", 1, 5_000)).toBe(0);
    expect(l.aheadWanted("other", 1, 30)).toBe(0);
  });

  it("hands out each place once, at its position in every window, then runs out", () => {
    const l = new RateLeases();
    l.add(
      "k",
      { ...windows, kinds: ["a", "b"] },
      { base: [11, 101], limits: [1_000, 1_000] },
      3,
      0,
    );
    const got = [1, 2, 3].map(() => l.take("k", [1_000, 1_000], 1)?.positions);
    expect(got).toEqual([
      [11, 101],
      [12, 102],
      [13, 103],
    ]);
    expect(l.take("k", [1_000, 1_000], 1)).toBeNull();
    expect(l.size).toBe(0);
  });

  it("a place given back is handed out again, once", () => {
    const l = new RateLeases();
    l.add("k", windows, { base: [1], limits: [10] }, 2, 0);
    const a = l.take("k", [10], 1)!;
    a.giveBack();
    a.giveBack();
    expect(l.take("k", [10], 2)!.positions).toEqual([1]);
    expect(l.take("k", [10], 2)!.positions).toEqual([2]);
    expect(l.take("k", [10], 2)).toBeNull();
  });

  it("hands out nothing once a limit changed (the window may be past it); what is left goes back", () => {
    const l = new RateLeases();
    l.add("k", windows, { base: [5], limits: [100] }, 4, 0);
    expect(l.take("k", [100], 1)!.positions).toEqual([5]);
    expect(l.take("k", [50], 2)).toBeNull();
    expect(l.take("k", [200], 2)).toBeNull();
    expect(l.takeIdle(3)).toEqual([{ ...windows, unused: 3 }]);
  });

  it("a lease replaced while holding places is given back too", () => {
    const l = new RateLeases();
    l.add("k", windows, { base: [1], limits: [100] }, 4, 0);
    expect(l.take("k", [50], 1)).toBeNull();
    l.add("k", windows, { base: [30], limits: [50] }, 2, 1);
    expect(l.take("k", [50], 2)!.positions).toEqual([30]);
    expect(l.takeIdle(3, 10)).toEqual([{ ...windows, unused: 4 }]);
    expect(l.takeIdle(Infinity, 0)).toEqual([{ ...windows, unused: 1 }]);
  });

  it("gives back what idle leases left unused after IDLE_MS, and nothing of a used-up one", () => {
    const l = new RateLeases();
    l.add("busy", windows, { base: [1], limits: [10] }, 5, 0);
    l.add("done", windows, { base: [1], limits: [10] }, 1, 0);
    l.take("done", [10], 0);
    l.take("busy", [10], IDLE_MS - 10);
    expect(l.takeIdle(IDLE_MS)).toEqual([]);
    expect(l.takeIdle(2 * IDLE_MS)).toEqual([{ ...windows, unused: 4 }]);
    expect(l.size).toBe(0);
  });
});

describe("RateLeases memory", () => {
  it("forgets the demand of keys no longer called (a new key every window)", () => {
    const l = new RateLeases();
    for (let i = 0; i < 10_000; i++) l.aheadWanted(`k${i}`, 1, i * 10);
    const calls = (l as unknown as { calls: Map<string, unknown> }).calls;
    expect(calls.size).toBeLessThan(400);
  });
});
