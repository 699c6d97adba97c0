import { describe, expect, it } from "vitest";
import {
  judgeWrite,
  revertHold,
  writerOf,
  yieldWindowHours,
  type TConflictRule,
  type THumanEdit,
  type TOwnershipRule,
} from "./field-rules";

const NOW = new Date("2026-12-03T12:00:00Z");
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);

const row = (field: string, over: Partial<TOwnershipRule> = {}): TOwnershipRule => ({
  object: "Opportunity",
  field,
  systemOfRecord: "salesforce",
  allowedWriters: ["humans", "bot"],
  conflictRule: "manual_review",
  yieldHours: null,
  freshnessSlaMinutes: null,
  ...over,
});

/** StageName from "A" (seen) to "B" (to write); Salesforce now holds `now`. */
function judge(opts: {
  rules: TOwnershipRule[];
  now?: unknown;
  writer?: string;
  revert?: boolean;
  decidedAt?: Date;
  edits?: THumanEdit[];
}) {
  const current = { StageName: opts.now ?? "A" };
  const changed = current.StageName === "A" || current.StageName === "B" ? [] : ["StageName"];
  return judgeWrite({
    object: "Opportunity",
    writer: opts.writer ?? "bot",
    revert: opts.revert ?? false,
    fields: [{ field: "StageName", expected: "A", proposed: "B" }],
    pending: current.StageName === "B" ? [] : ["StageName"],
    changed,
    current,
    rules: opts.rules,
    decidedAt: opts.decidedAt ?? hoursAgo(0.1),
    edits: opts.edits ?? [],
    now: NOW,
  });
}

describe("judgeWrite: a field changed since approval, by conflict rule", () => {
  const cases: [string, TConflictRule | null, Partial<TOwnershipRule>, string][] = [
    ["no ownership row: as manual review", null, {}, "conflict"],
    ["manual_review: back to approval", "manual_review", {}, "conflict"],
    [
      "agent_yields_to_humans: back to approval",
      "agent_yields_to_humans",
      { yieldHours: 4 },
      "conflict",
    ],
    ["last_write_wins: written over", "last_write_wins", {}, "proceed"],
    ["system_of_record_wins: superseded", "system_of_record_wins", {}, "superseded"],
    [
      "system_of_record_wins, the writer is the system of record: written over",
      "system_of_record_wins",
      { systemOfRecord: "bot" },
      "proceed",
    ],
  ];
  it.each(cases)("%s", (_, rule, over, kind) => {
    const rules = rule ? [row("StageName", { conflictRule: rule, ...over })] : [];
    expect(judge({ rules, now: "C" }).kind).toBe(kind);
  });

  it("a revert never overwrites a change, whatever the rule", () => {
    for (const rule of ["last_write_wins", "system_of_record_wins"] as const) {
      const r = judge({
        rules: [row("StageName", { conflictRule: rule })],
        now: "C",
        revert: true,
        writer: "humans",
      });
      expect(r).toMatchObject({ kind: "conflict", code: "CHANGED_SINCE_APPROVAL" });
    }
  });

  it("an unchanged field proceeds under every rule", () => {
    for (const rule of ["manual_review", "last_write_wins", "system_of_record_wins"] as const) {
      expect(judge({ rules: [row("StageName", { conflictRule: rule })] }).kind).toBe("proceed");
    }
  });

  it("nothing left to write: proceeds (already applied), even when stale", () => {
    const rules = [row("StageName", { freshnessSlaMinutes: 1 })];
    expect(judge({ rules, now: "B", decidedAt: hoursAgo(5) }).kind).toBe("proceed");
  });
});

describe("judgeWrite: allowed writers", () => {
  it("a writer not allowed is refused, naming the owner", () => {
    const r = judge({
      rules: [row("StageName", { systemOfRecord: "billing", allowedWriters: ["billing-sync"] })],
    });
    expect(r.kind).toBe("not_allowed");
    expect(r.kind === "not_allowed" && r.message).toContain("owned by billing");
  });
  it("a revert writes as humans", () => {
    expect(writerOf({ revertsId: "ar_1", agent: { slug: "bot" } })).toBe("humans");
    expect(writerOf({ revertsId: null, agent: { slug: "bot" } })).toBe("bot");
    const rules = [row("StageName", { allowedWriters: ["bot"] })];
    expect(judge({ rules, writer: "humans", revert: true }).kind).toBe("not_allowed");
  });
});

describe("judgeWrite: agent yields to human edits within N hours", () => {
  const rules = [row("StageName", { conflictRule: "agent_yields_to_humans", yieldHours: 4 })];
  const edit = (h: number, field = "StageName"): THumanEdit => ({
    field,
    at: hoursAgo(h),
    by: "Morgan Reyes",
  });

  it.each([
    ["an edit an hour ago stops the write", [edit(1)], "conflict"],
    ["an edit five hours ago does not", [edit(5)], "proceed"],
    ["an edit of another field does not", [edit(1, "Amount")], "proceed"],
    ["no edit", [], "proceed"],
  ] as const)("%s", (_, edits, kind) => {
    expect(judge({ rules, edits: [...edits] }).kind).toBe(kind);
  });

  it("names the field, who and when", () => {
    const r = judge({ rules, edits: [edit(5), edit(1)] });
    expect(r).toMatchObject({ kind: "conflict", code: "YIELDS_TO_HUMAN_EDIT" });
    expect(r.kind === "conflict" && r.message).toBe(
      "StageName was edited in Salesforce by Morgan Reyes at 2026-12-03 11:00 UTC: Tollgate yields to a person's edit for 4 h (until 2026-12-03 15:00 UTC)",
    );
  });

  it("the window is the longest among the fields", () => {
    expect(yieldWindowHours(rules, "Opportunity", ["StageName", "Amount"])).toBe(4);
    expect(yieldWindowHours(rules, "Opportunity", ["Amount"])).toBe(0);
    expect(yieldWindowHours(rules, "Lead", ["StageName"])).toBe(0);
  });
});

describe("judgeWrite: freshness", () => {
  const rules = [
    row("StageName", { freshnessSlaMinutes: 60 }),
    row("Amount", { freshnessSlaMinutes: 15 }),
  ];
  const two = (decidedAt: Date, list = rules) =>
    judgeWrite({
      object: "Opportunity",
      writer: "bot",
      revert: false,
      fields: [
        { field: "StageName", expected: "A", proposed: "B" },
        { field: "Amount", expected: 1, proposed: 2 },
      ],
      pending: ["StageName", "Amount"],
      changed: [],
      current: { StageName: "A", Amount: 1 },
      rules: list,
      decidedAt,
      edits: [],
      now: NOW,
    });

  it.each([
    ["decided 10 min ago: within the smallest SLA (15)", 10 / 60, "proceed"],
    ["decided 20 min ago: past the smallest SLA", 20 / 60, "conflict"],
    ["decided 2 h ago", 2, "conflict"],
  ] as const)("%s", (_, h, kind) => {
    expect(two(hoursAgo(h)).kind).toBe(kind);
  });

  it("no SLA on any field: never stale", () => {
    expect(two(hoursAgo(1000), [row("StageName")]).kind).toBe("proceed");
  });

  it("says how old the decision is", () => {
    const r = two(hoursAgo(2));
    expect(r).toMatchObject({ kind: "conflict", code: "STALE_APPROVAL" });
    expect(r.kind === "conflict" && r.message).toContain("Decided 120 min ago");
  });
});

describe("revertHold", () => {
  it("holds a field people may not write, and one a person edited within its window", () => {
    const rules = [
      row("AnnualRevenue", { systemOfRecord: "billing", allowedWriters: ["billing-sync"] }),
      row("StageName", { conflictRule: "agent_yields_to_humans", yieldHours: 2 }),
      row("Amount"),
    ];
    const edits = [{ field: "StageName", at: hoursAgo(1), by: "Morgan Reyes" }];
    expect(revertHold(rules, "Opportunity", "AnnualRevenue", [], NOW)).toContain("not people");
    expect(revertHold(rules, "Opportunity", "StageName", edits, NOW)).toContain("Morgan Reyes");
    expect(revertHold(rules, "Opportunity", "StageName", [], NOW)).toBeNull();
    expect(revertHold(rules, "Opportunity", "Amount", edits, NOW)).toBeNull();
    expect(revertHold(rules, "Opportunity", "NextStep", edits, NOW)).toBeNull();
  });
});
