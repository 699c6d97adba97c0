import { describe, expect, it } from "vitest";
import { describePropagation } from "./kill-switch-propagation";

const base = { change: "ksc_1", instances: 0, acknowledged: [], unacknowledged: [], waitedMs: 3 };

describe("describePropagation", () => {
  it.each([
    [base, "No running instance was registered to confirm it.", []],
    [
      {
        ...base,
        instances: 1,
        acknowledged: [{ instance: "web:a:1", kind: "web", ms: 12.4 }],
      },
      "All 1 running instance confirmed within 12 ms.",
      [],
    ],
    [
      {
        ...base,
        instances: 3,
        acknowledged: [
          { instance: "web:a:1", kind: "web", ms: 12 },
          { instance: "a:2", kind: "worker", ms: 40 },
          { instance: "a:3", kind: "worker", ms: 7 },
        ],
      },
      "All 3 running instances confirmed within 40 ms.",
      [],
    ],
    [
      {
        ...base,
        instances: 2,
        waitedMs: 1004,
        acknowledged: [{ instance: "a:2", kind: "worker", ms: 9 }],
        unacknowledged: [
          {
            instance: "web:b:7",
            kind: "web",
            host: "b",
            pid: 7,
            listening: false,
            lastBeatSecondsAgo: 2.5,
          },
        ],
      },
      "1 of 2 running instances did not confirm within 1.0 s and may still act in this scope:",
      ["web server web:b:7 (b, pid 7, last beat 2.5 s ago, kill-switch connection down)"],
    ],
  ])("%#", (p, summary, silent) => {
    expect(describePropagation(p)).toEqual({ summary, silent });
  });
});
