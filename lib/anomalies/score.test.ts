import { describe, expect, it } from "vitest";
import { median, scoreWindow, ZAnomalyRuleInput } from "./score";

const rule = { windowMinutes: 10, zThreshold: 6, minCount: 30 };

describe("scoreWindow", () => {
  it.each([
    // steady: 60 an hour is 10 a window; 12 observed is noise
    { name: "steady rate", observed: 12, hourly: Array(17).fill(60), fires: false },
    // a spike of 120 in ten minutes against 10 expected: √10 ≈ 3.16 spread, score ≈ 34.8
    { name: "spike over a steady rate", observed: 120, hourly: Array(17).fill(60), fires: true },
    // a brand-new agent: no samples, expected 0, spread 1 — only the floor stands in the way
    { name: "new agent, a few requests", observed: 8, hourly: [], fires: false },
    { name: "new agent, above the floor", observed: 40, hourly: [], fires: true },
    // a noisy history: MAD wide enough that 90 is within reach
    {
      name: "noisy history",
      observed: 90,
      hourly: [0, 600, 0, 600, 0, 600, 0, 600, 300, 300, 0, 600, 0, 600, 300, 0, 600],
      fires: false,
    },
    // one earlier spike hour does not lift the baseline (median, not mean)
    {
      name: "one spike in the history",
      observed: 120,
      hourly: [...Array(16).fill(60), 6000],
      fires: true,
    },
  ])("$name", ({ observed, hourly, fires }) => {
    expect(scoreWindow({ observed, hourly, ...rule }).fires).toBe(fires);
  });

  it.each([
    // 40 an hour, all in one ten-minute burst: the window alone fires, the trailing hour holds
    // one usual hour and does not
    {
      name: "hourly burst",
      observed: 40,
      trailingHour: 40,
      hourly: Array(17).fill(40),
      fires: false,
    },
    {
      name: "10× burst",
      observed: 400,
      trailingHour: 400,
      hourly: Array(17).fill(40),
      fires: true,
    },
    // a steady 60 an hour and 150 in the last ten minutes: the hour holds 50 + 150
    {
      name: "spike at a steady rate",
      observed: 150,
      trailingHour: 200,
      hourly: Array(17).fill(60),
      fires: true,
    },
    // double the rate for ten minutes at 600 an hour: the window fires, the hour (700 against
    // 600, spread √600) does not — the price of the hour's check
    {
      name: "2× for ten minutes",
      observed: 200,
      trailingHour: 700,
      hourly: Array(17).fill(600),
      fires: false,
    },
  ])("with the trailing hour: $name", ({ observed, trailingHour, hourly, fires }) => {
    const s = scoreWindow({ observed, trailingHour, hourly, ...rule });
    expect(s.fires).toBe(fires);
    expect(scoreWindow({ observed, hourly, ...rule }).fires).toBe(true);
  });

  it("computes the figures it documents", () => {
    const s = scoreWindow({ observed: 120, hourly: Array(17).fill(60), ...rule });
    expect(s.expected).toBe(10);
    expect(s.scale).toBeCloseTo(Math.sqrt(10));
    expect(s.score).toBeCloseTo(110 / Math.sqrt(10));
    expect(s.samples).toBe(17);
  });

  it("median of even and odd lists", () => {
    expect(median([])).toBe(0);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe("ZAnomalyRuleInput", () => {
  const ok = {
    agentId: null,
    actionTypeId: null,
    enabled: true,
    windowMinutes: 10,
    zThreshold: 6,
    minCount: 30,
    autoTrip: false,
    reason: "defaults",
  };
  it("accepts a valid rule and refuses bad ones with the field named", () => {
    expect(ZAnomalyRuleInput.safeParse(ok).success).toBe(true);
    for (const [bad, path] of [
      [{ windowMinutes: 2 }, "windowMinutes"],
      [{ zThreshold: 1 }, "zThreshold"],
      [{ minCount: 0 }, "minCount"],
      [{ reason: "" }, "reason"],
      [{ extra: 1 }, ""],
    ] as const) {
      const r = ZAnomalyRuleInput.safeParse({ ...ok, ...bad });
      expect(r.success).toBe(false);
      if (path) expect(r.error!.issues[0].path.join(".")).toBe(path);
    }
  });
});
