import { describe, expect, it } from "vitest";
import { ZCreateFieldOwnershipInput, widenings } from "./schemas";

const rule = (extra: object = {}) => ({
  systemOfRecord: "salesforce",
  allowedWriters: ["humans"],
  conflictRule: "manual_review" as const,
  yieldHours: null,
  freshnessSlaMinutes: 60,
  ...extra,
});
const isAgent = (w: string) => w.endsWith("-bot");

describe("widenings", () => {
  it.each([
    ["a new row", null, rule(), []],
    [
      "a new row where the last write wins (without a row a changed value goes to a person)",
      null,
      rule({ conflictRule: "last_write_wins", freshnessSlaMinutes: null }),
      ["an agent's write replaces a newer value (last write wins)"],
    ],
    [
      "an agent made system of record",
      rule({ allowedWriters: ["x-bot"] }),
      rule({
        allowedWriters: ["x-bot"],
        systemOfRecord: "x-bot",
        conflictRule: "system_of_record_wins",
      }),
      ["x-bot's writes win over newer values (system of record)"],
    ],
    [
      "a new row making an agent system of record",
      null,
      rule({
        allowedWriters: ["x-bot"],
        systemOfRecord: "x-bot",
        conflictRule: "system_of_record_wins",
      }),
      ["x-bot's writes win over newer values (system of record)"],
    ],
    [
      "billing made system of record",
      rule(),
      rule({ systemOfRecord: "billing", conflictRule: "system_of_record_wins" }),
      [],
    ],
    ["no change", rule(), rule(), []],
    [
      "an agent added",
      rule(),
      rule({ allowedWriters: ["humans", "x-bot"] }),
      ["lets x-bot write it"],
    ],
    ["an integration added", rule(), rule({ allowedWriters: ["humans", "billing-sync"] }), []],
    ["an agent removed", rule({ allowedWriters: ["humans", "x-bot"] }), rule(), []],
    [
      "to last write wins",
      rule(),
      rule({ conflictRule: "last_write_wins" }),
      ["an agent's write replaces a newer value (last write wins)"],
    ],
    ["to system of record wins", rule(), rule({ conflictRule: "system_of_record_wins" }), []],
    [
      "a shorter yield",
      rule({ conflictRule: "agent_yields_to_humans", yieldHours: 8 }),
      rule({ conflictRule: "agent_yields_to_humans", yieldHours: 2 }),
      ["agents yield to people's edits for less time"],
    ],
    [
      "a longer yield",
      rule({ conflictRule: "agent_yields_to_humans", yieldHours: 2 }),
      rule({ conflictRule: "agent_yields_to_humans", yieldHours: 8 }),
      [],
    ],
    [
      "a longer SLA",
      rule(),
      rule({ freshnessSlaMinutes: 120 }),
      ["older approvals may still write"],
    ],
    [
      "no SLA any more",
      rule(),
      rule({ freshnessSlaMinutes: null }),
      ["older approvals may still write"],
    ],
    ["a shorter SLA", rule(), rule({ freshnessSlaMinutes: 5 }), []],
    [
      "the rule removed",
      rule(),
      null,
      ["removes the rule: any agent with a grant may write the field"],
    ],
  ])("%s", (_, before, after, expected) => {
    expect(widenings(before, after, isAgent)).toEqual(expected);
  });
});

describe("ZCreateFieldOwnershipInput", () => {
  const base = {
    object: "Lead",
    field: "Title",
    systemOfRecord: "salesforce",
    allowedWriters: ["humans"],
    conflictRule: "manual_review",
  };
  const issues = (input: object) => {
    const r = ZCreateFieldOwnershipInput.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };
  it.each([
    ["valid", base, []],
    [
      "yield without hours",
      { ...base, conflictRule: "agent_yields_to_humans" },
      ["yieldHours: Say for how many hours an agent yields to a person's edit"],
    ],
    [
      "hours without yield",
      { ...base, yieldHours: 2 },
      ["yieldHours: Yield hours apply only to the rule “Agent yields to humans”"],
    ],
    ["yield with hours", { ...base, conflictRule: "agent_yields_to_humans", yieldHours: 2 }, []],
    [
      "a bad field",
      { ...base, field: "Title Case" },
      ["field: A field's API name, e.g. StageName"],
    ],
    ["an extra key", { ...base, id: "x" }, [': Unrecognized key: "id"']],
  ])("%s", (_, input, expected) => {
    expect(issues(input)).toEqual(expected);
  });
});
