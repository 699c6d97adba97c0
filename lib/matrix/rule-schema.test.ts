import { describe, expect, it } from "vitest";
import { diffMatrix, diffRule } from "./diff";
import { ZRuleSettings, type TRuleSettings } from "./rule-schema";
import { outcomeChange } from "./simulate";

const base: TRuleSettings = {
  mode: "human_in_the_loop",
  approverRole: "sales_ops",
  requiredApprovals: 1,
  slaMinutes: 240,
  requireReason: true,
  requireEvidence: true,
  loggingRequired: "reason + evidence",
  reversible: true,
  rollbackPlan: "revert stage",
  rollbackByDelete: false,
  conditions: [{ name: "late-stage", when: "StageName = 'Closed Won'", approverRole: "deal_desk" }],
  constraints: [],
};

const issues = (r: unknown) => {
  const parsed = ZRuleSettings.safeParse(r);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("ZRuleSettings", () => {
  it.each<[string, Partial<TRuleSettings>, string[]]>([
    ["the seed's rule", {}, []],
    [
      "an auto rule with 0 approvals",
      { mode: "auto", approverRole: null, requiredApprovals: 0 },
      [],
    ],
    [
      "a human mode without a group",
      { approverRole: null },
      ["approverRole: A human mode needs an approver group"],
    ],
    [
      "a human mode with 0 approvals",
      { requiredApprovals: 0 },
      ["requiredApprovals: A human mode needs at least 1 approval"],
    ],
    [
      "a malformed condition, with its column",
      { conditions: [{ name: "x", when: "Amount >> 5", requiredApprovals: 2 }] },
      ['conditions.0.when: Invalid condition at column 9: expected a value but found ">"'],
    ],
    [
      "a condition that raises nothing",
      { conditions: [{ name: "x", when: "Amount > 5" }] },
      [
        "conditions.0.mode: A condition must raise something: the mode, the approver or the approvals",
      ],
    ],
    [
      "two conditions of one name",
      {
        conditions: [
          { name: "x", when: "Amount > 5", requiredApprovals: 2 },
          { name: "x", when: "Amount > 6", requiredApprovals: 2 },
        ],
      },
      ["conditions.1.name: Used twice"],
    ],
    [
      "min above max",
      { constraints: [{ field: "Amount", min: 5, max: 1 }] },
      ["constraints.0.max: min must not be above max"],
    ],
  ])("%s", (_why, patch, expected) => {
    expect(issues({ ...base, ...patch })).toEqual(expected);
  });

  it("refuses unknown keys", () => {
    expect(issues({ ...base, extra: 1 })).toHaveLength(1);
  });
});

describe("the diff", () => {
  it("names each changed setting before → after, conditions by name, groups by name", () => {
    const after: TRuleSettings = {
      ...base,
      requiredApprovals: 2,
      conditions: [
        { name: "late-stage", when: "StageName = 'Closed Won'", approverRole: "ae_manager" },
      ],
    };
    expect(diffRule(base, after, (k) => k.toUpperCase())).toEqual([
      { setting: "Required approvals", before: "1", after: "2" },
      {
        setting: "Condition late-stage",
        before: "when StageName = 'Closed Won' → approver DEAL_DESK",
        after: "when StageName = 'Closed Won' → approver AE_MANAGER",
      },
    ]);
  });

  it("lists added and removed rules, and leaves equal ones out", () => {
    const diff = diffMatrix(
      [
        { actionType: "a", ...base },
        { actionType: "b", ...base },
      ],
      [
        { actionType: "a", ...base },
        { actionType: "c", ...base },
      ],
    );
    expect(diff.map((d) => [d.actionType, d.change])).toEqual([
      ["c", "added"],
      ["b", "removed"],
    ]);
  });
});

describe("outcomeChange", () => {
  const o = (
    kind: "auto" | "approval" | "human-only" | "refused",
    approvals = 1,
    approver: string | null = "sales_ops",
    code: string | null = null,
  ) => ({
    kind,
    approvals,
    approver,
    code,
  });
  it.each([
    [o("auto", 0, null), o("approval"), "auto → approval"],
    [
      o("approval"),
      o("refused", 0, null, "evidence_required"),
      "approval → refused (evidence_required)",
    ],
    [o("approval", 1), o("approval", 2), "approvals 1 → 2"],
    [o("approval"), o("approval", 1, "deal_desk"), "approver sales_ops → deal_desk"],
    [o("approval"), o("approval"), null],
    [o("refused", 0, null, "scope_denied"), o("refused", 0, null, "scope_denied"), null],
  ])("%o → %o", (a, b, label) => {
    expect(outcomeChange(a, b)).toBe(label);
  });
});
