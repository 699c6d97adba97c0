import { describe, expect, it } from "vitest";
import { pickWorkflowVersion, rolloutBucket } from "./bucket";

const v = (version: number, rolloutPercent: number, status = "published") => ({
  id: `v${version}`,
  version,
  status,
  rolloutPercent,
});

describe("rollout bucketing", () => {
  it("is sticky and within 0–99", () => {
    const b = rolloutBucket("pipeline-hygiene", "001000000000001AAA");
    expect(rolloutBucket("pipeline-hygiene", "001000000000001AAA")).toBe(b);
    expect(b).toBeGreaterThanOrEqual(0);
    expect(b).toBeLessThan(100);
  });

  it("spreads accounts roughly evenly", () => {
    const counts = new Array(4).fill(0);
    for (let i = 0; i < 4000; i++) counts[Math.floor(rolloutBucket("wf", `acct-${i}`) / 25)]++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });

  it("differs between workflows for the same account", () => {
    const same = Array.from(
      { length: 50 },
      (_, i) => rolloutBucket("a", `x${i}`) === rolloutBucket("b", `x${i}`),
    ).filter(Boolean).length;
    expect(same).toBeLessThan(10);
  });

  it.each([
    ["canary covers low buckets", [v(2, 100), v(3, 25)], 10, "v3"],
    ["baseline for the rest", [v(2, 100), v(3, 25)], 25, "v2"],
    ["baseline at the top bucket", [v(2, 100), v(3, 25)], 99, "v2"],
    ["retired versions are skipped", [v(2, 100), v(3, 100, "retired")], 5, "v2"],
    ["drafts are skipped", [v(1, 100), v(2, 5, "draft")], 1, "v1"],
    ["full rollout of the newest", [v(2, 100), v(3, 100)], 70, "v3"],
    ["nothing published", [v(1, 100, "draft")], 0, null],
    ["a lone canary leaves the rest uncovered", [v(1, 5)], 50, null],
  ])("%s", (_n, versions, bucket, expected) => {
    expect(pickWorkflowVersion(versions, bucket)?.id ?? null).toBe(expected);
  });

  it("only adds accounts when the canary grows 5 → 25 → 100", () => {
    const ids = Array.from({ length: 500 }, (_, i) => `acct-${i}`);
    const on = (pct: number) =>
      new Set(
        ids.filter(
          (id) => pickWorkflowVersion([v(2, 100), v(3, pct)], rolloutBucket("wf", id))?.id === "v3",
        ),
      );
    const [a, b, c] = [on(5), on(25), on(100)];
    for (const id of a) expect(b.has(id)).toBe(true);
    for (const id of b) expect(c.has(id)).toBe(true);
    expect(c.size).toBe(500);
  });
});
