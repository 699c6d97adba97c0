import { describe, expect, it } from "vitest";
import { effectiveSlaMinutes } from "./sla";

const groups = new Map<string, number | null>([
  ["deal_desk", 120],
  ["sales_ops", null],
]);

describe("effective SLA", () => {
  it.each([
    ["the rule's own SLA wins", { slaMinutes: 60, approverRole: "deal_desk" }, true, 60],
    [
      "the group's default when the rule has none",
      { slaMinutes: null, approverRole: "deal_desk" },
      true,
      120,
    ],
    ["none when neither sets one", { slaMinutes: null, approverRole: "sales_ops" }, true, null],
    ["none for an unknown group", { slaMinutes: null, approverRole: "nobody" }, true, null],
    ["none without an approver group", { slaMinutes: null, approverRole: null }, true, null],
    [
      "none for work that does not wait",
      { slaMinutes: 60, approverRole: "deal_desk" },
      false,
      null,
    ],
  ] as const)("%s", (_, decision, waits, expected) => {
    expect(effectiveSlaMinutes(decision, waits, groups)).toBe(expected);
  });
});
