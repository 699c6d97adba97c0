import { describe, expect, it } from "vitest";
import {
  compileCondition,
  ConditionSyntaxError,
  getCompiledCondition,
  validateCondition,
  type TConditionContext,
} from "./condition";

// An open opportunity moving from Proposal to Negotiation, with a few typed fields.
const ctx: TConditionContext = {
  current: {
    StageName: "Proposal/Price Quote",
    Amount: 120000,
    IsClosed: false,
    IsConverted: "false",
    CloseDate: "2026-12-15",
    LastModifiedDate: "2026-11-20T10:00:00.000+0000",
    Name: "Acme — Renewal",
    OwnerId: null,
    Probability: "40",
    Note: "it's done",
    CreatedDate: new Date("2026-01-05T08:00:00Z"),
  },
  proposed: { StageName: "Negotiation/Review", NextStep: "Send redlines", Amount: 130000 },
};

describe("compileCondition evaluates", () => {
  const cases: [string, boolean][] = [
    // bare field = proposed merged over current
    ["StageName = 'Negotiation/Review'", true],
    ["StageName = 'Proposal/Price Quote'", false],
    ["current.StageName = 'Proposal/Price Quote'", true],
    ["proposed.StageName = 'Negotiation/Review'", true],
    ["proposed.CloseDate = null", true],
    ["CloseDate = 2026-12-15", true],
    ["Amount = 130000", true],
    ["current.Amount = 120000", true],
    ["Amount >= 130000 and Amount <= 130000", true],
    ["Amount < 500000", true],
    ["Amount > 500000", false],
    ["Amount != 130000", false],
    ["Amount <> 1", true],
    ["Probability > 39.5", true], // numeric string compares as a number
    ["Amount = '130000'", false], // a number is not the string '130000'
    ["Amount != '130000'", true],
    // null semantics
    ["OwnerId = null", true],
    ["OwnerId != null", false],
    ["OwnerId != 'x'", false],
    ["OwnerId not in ('x')", false],
    ["Missing = null", true],
    ["Missing < 5", false],
    ["NextStep != null", true],
    // booleans
    ["IsClosed = false", true],
    ["IsClosed = TRUE", false],
    ["IsConverted = false", true], // "false" string counts as a boolean
    ["IsClosed != true", true],
    // in / not in
    ["StageName in ('Proposal/Price Quote', 'Negotiation/Review')", true],
    ["current.StageName not in ('Closed Won','Closed Lost')", true],
    ["StageName not in ('Negotiation/Review')", false],
    ["Amount in (1, 2, 130000)", true],
    // like (case-insensitive, % and _)
    ["Name like 'acme%'", true],
    ["Name like 'Acme'", false],
    ["Name like '%Renewa_'", true],
    ["Name not like '%Upsell%'", true],
    ["StageName like 'Negotiation/%'", true],
    // escapes
    ["Note = 'it''s done'", true],
    ["Note = 'it\\'s done'", true],
    // dates and datetimes
    ["CloseDate < 2027-01-01", true],
    ["CloseDate >= 2026-12-16", false],
    ["LastModifiedDate > 2026-11-20T09:59:59Z", true],
    ["LastModifiedDate < 2026-11-20T10:00:00Z", false],
    ["CreatedDate = 2026-01-05", true],
    ["CreatedDate < 2026-01-05T09:00:00+01:00", false],
    ["CloseDate > '2026-12-01'", true], // ISO strings order correctly as strings
    // combinations, precedence (not > and > or), keyword case
    ["IsClosed = false AND Amount < 500000", true],
    ["Amount > 1 or Amount < 0 and IsClosed = true", true],
    ["(Amount > 1 or Amount < 0) and IsClosed = true", false],
    ["not StageName = 'Closed Won'", true],
    ["NOT (IsClosed = false)", false],
    ["not not IsClosed = false", true],
    [
      "StageName in ('Proposal/Price Quote','Negotiation/Review','Closed Won','Closed Lost') or current.StageName in ('Proposal/Price Quote','Negotiation/Review','Closed Won','Closed Lost')",
      true,
    ],
  ];
  it.each(cases)("%s → %s", (text, expected) => {
    expect(compileCondition(text).evaluate(ctx)).toBe(expected);
  });
});

describe("compileCondition rejects malformed text", () => {
  const cases: [string, number, RegExp][] = [
    ["", 0, /empty/],
    ["   ", 3, /empty/],
    ["Amount", 6, /expected an operator after Amount/],
    ["Amount >", 8, /condition ended/],
    ["Amount == 5", 7, /use "=" instead of "=="/],
    ["Amount > 5 &&  IsClosed = false", 11, /use "and" \/ "or"/],
    ["StageName = 'Open", 12, /unterminated string/],
    ["(Amount > 5", 11, /expected "\)"/],
    ["Amount > 5)", 10, /unexpected "\)"/],
    ["Amount > 5 IsClosed = false", 11, /expected "and", "or" or the end/],
    ["StageName in 'a'", 13, /expected "\(" after "in"/],
    ["StageName in ()", 14, /list after in is empty/],
    ["StageName in ('a' 'b')", 18, /expected "," or "\)"/],
    ["StageName in ('a', 1)", 19, /cannot mix types/],
    ["StageName in ('a', null)", 19, /null is not allowed/],
    ["Amount < null", 9, /null can only be compared with = or !=/],
    ["IsClosed > true", 11, /true\/false can only be compared/],
    ["Name like Acme", 10, /like needs a quoted pattern/],
    ["Amount > current.Amount", 9, /comparing two fields is not supported/],
    ["CloseDate < 2026-13-01", 12, /invalid date/],
    ["Amount ! 5", 7, /unexpected "!"/],
    ["= 5", 0, /expected a field name/],
    ["and Amount > 5", 0, /expected a field name/],
    ["Amount not between 1", 11, /expected "in" or "like" after "not"/],
    ["Amount > 5 or", 13, /condition ended/],
    ["Amount # 5", 7, /unexpected character "#"/],
  ];
  it.each(cases)("%j fails at %i", (text, position, message) => {
    let caught: unknown;
    try {
      compileCondition(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConditionSyntaxError);
    const err = caught as ConditionSyntaxError;
    expect(err.position).toBe(position);
    expect(err.message).toMatch(message);
    expect(err.code).toBe("invalid_condition");
    expect(err.status).toBe(422);
  });

  it("refuses deep nesting and very long text", () => {
    expect(() => compileCondition("(".repeat(60) + "A = 1" + ")".repeat(60))).toThrow(
      /nested too deeply/,
    );
    expect(() => compileCondition(`A = '${"x".repeat(5000)}'`)).toThrow(/longer than/);
  });
});

describe("describe, explainFailure and the cache", () => {
  it("describes in canonical form and lists the fields read", () => {
    const c = compileCondition(
      "isclosed = FALSE AND (amount < 50000 OR current.Tier IN ('a','b'))",
    );
    expect(c.describe()).toBe(
      "isclosed = false and (amount < 50000 or current.Tier in ('a', 'b'))",
    );
    expect(c.fields).toEqual([
      { scope: "merged", field: "isclosed" },
      { scope: "merged", field: "amount" },
      { scope: "current", field: "Tier" },
    ]);
    expect(c.text).toBe("isclosed = FALSE AND (amount < 50000 OR current.Tier IN ('a','b'))");
  });

  it("names the first failing comparison with its value", () => {
    const c = compileCondition("IsClosed = false and Amount < 100000");
    expect(c.explainFailure(ctx)).toBe("Amount < 100000 is false (Amount is 130000)");
    const o = compileCondition("StageName = 'Closed Won' or OwnerId = 'u1'");
    expect(o.explainFailure(ctx)).toBe(
      "StageName = 'Closed Won' is false (StageName is 'Negotiation/Review'); and OwnerId = 'u1' is false (OwnerId is null)",
    );
  });

  it("caches compiled conditions and syntax errors by text", () => {
    const a = getCompiledCondition("Amount < 1");
    expect(getCompiledCondition("Amount < 1")).toBe(a);
    expect(() => getCompiledCondition("Amount <")).toThrow(ConditionSyntaxError);
    expect(validateCondition("Amount <")?.position).toBe(8);
    expect(validateCondition("Amount < 1")).toBeNull();
  });

  it("treats a proposed value of null as a change to null", () => {
    const c = compileCondition("OwnerId = null");
    expect(c.evaluate({ current: { OwnerId: "u1" }, proposed: { OwnerId: null } })).toBe(true);
    expect(c.evaluate({ current: { OwnerId: "u1" }, proposed: {} })).toBe(false);
  });
});
