import { beforeAll, describe, expect, it } from "vitest";
import { SoqlError } from "./errors";
import { createRecordSource, evaluateSoql, type SoqlResult } from "./soql-evaluator";
import { INTEGRATION_USER_ID, SandboxStore } from "./store";

// "Today" for every relative date literal below: Monday 2026-11-23, 10:00 UTC.
const NOW = new Date("2026-11-23T10:00:00.000Z");

interface Fixture {
  store: SandboxStore;
  id: Record<string, string>;
}

/** A small org whose every record is named, so expectations read as names, not ids. */
function buildFixture(): Fixture {
  let clock = NOW;
  const store = new SandboxStore({ clock: () => clock });
  const ctx = { userId: INTEGRATION_USER_ID };
  const id: Record<string, string> = {};
  const add = (key: string, object: string, fields: Record<string, unknown>, at = NOW) => {
    clock = at;
    id[key] = String(store.create(object, fields, ctx).Id);
  };
  add("acme", "Account", {
    Name: "Acme",
    Industry: "Technology",
    Type: "Customer - Direct",
    AnnualRevenue: 5_000_000,
  });
  add("globex", "Account", { Name: "Globex", Industry: "Manufacturing", Type: "Prospect" });
  add("initech", "Account", { Name: "Initech", Industry: "Finance" });
  add("oreilly", "Account", { Name: "O'Reilly Media", Industry: "Media" });
  const opp = (key: string, fields: Record<string, unknown>) => add(key, "Opportunity", fields);
  opp("acmeRenewal", {
    Name: "Acme Renewal",
    AccountId: id.acme,
    StageName: "Prospecting",
    Amount: 10000,
    CloseDate: "2026-11-23",
  });
  opp("acmeExpansion", {
    Name: "Acme Expansion",
    AccountId: id.acme,
    StageName: "Negotiation/Review",
    Amount: 40000,
    CloseDate: "2026-11-22",
  });
  opp("globexPilot", {
    Name: "Globex Pilot",
    AccountId: id.globex,
    StageName: "Closed Won",
    Amount: 7500,
    CloseDate: "2026-11-10",
  });
  opp("globexPlatform", {
    Name: "Globex Platform",
    AccountId: id.globex,
    StageName: "Closed Lost",
    CloseDate: "2026-10-15",
  });
  opp("initechDeal", {
    Name: "Initech_Deal 100%",
    AccountId: id.initech,
    StageName: "Value Proposition",
    Amount: 0,
    CloseDate: "2026-12-05",
  });
  opp("orphan", {
    Name: "Orphan Deal",
    StageName: "Qualification",
    Amount: 250000.5,
    CloseDate: "2027-02-01",
  });
  clock = new Date("2026-11-23T09:00:00.000Z");
  store.update("Opportunity", id.acmeExpansion, { Amount: 50000 }, ctx);

  const lead = (key: string, at: string, fields: Record<string, unknown>) =>
    add(key, "Lead", fields, new Date(at));
  lead("ada", "2026-11-23T08:00:00Z", {
    FirstName: "Ada",
    LastName: "Lovelace",
    Company: "Analytical Engines",
    Status: "Open - Not Contacted",
    Email: "ada@engines.example",
    LeadSource: "Web",
    Industry: "Technology",
    NumberOfEmployees: 12,
  });
  lead("grace", "2026-11-22T12:00:00Z", {
    FirstName: "Grace",
    LastName: "Hopper",
    Company: "Navy Labs",
    Status: "Working - Contacted",
    LeadSource: "Phone Inquiry",
    NumberOfEmployees: 5000,
  });
  lead("alan", "2026-10-01T00:00:00Z", {
    FirstName: "Alan",
    LastName: "Turing",
    Company: "Bletchley",
    Status: "Closed - Not Converted",
    Email: "alan@bletchley.example",
  });
  lead("babbage", "2026-11-01T00:00:00Z", {
    LastName: "Babbage",
    Company: "Difference Co",
    Status: "Open - Not Contacted",
    Title: "CTO",
    LeadSource: "Partner Referral",
  });
  lead("ghost", "2026-11-20T00:00:00Z", { LastName: "Ghost", Company: "Gone Inc" });
  clock = NOW;
  store.delete("Lead", id.ghost, ctx);
  return { store, id };
}

type Case = {
  name: string;
  q: string;
  /** Expected record keys (fixture names); order matters only when `ordered`. */
  ids?: string[];
  ordered?: boolean;
  totalSize?: number;
  check?: (result: SoqlResult, fx: Fixture) => void;
  includeDeleted?: boolean;
};

const ALL_LEADS = ["ada", "grace", "alan", "babbage"];
const ALL_OPPS = [
  "acmeRenewal",
  "acmeExpansion",
  "globexPilot",
  "globexPlatform",
  "initechDeal",
  "orphan",
];

const CASES: Case[] = [
  // Equality, null and case-insensitivity
  { name: "all live leads", q: "SELECT Id FROM Lead", ids: ALL_LEADS },
  {
    name: "picklist equality",
    q: "SELECT Id FROM Lead WHERE Status = 'Open - Not Contacted'",
    ids: ["ada", "babbage"],
  },
  {
    name: "equality ignores case of names and values",
    q: "select id from lead where status = 'open - not contacted'",
    ids: ["ada", "babbage"],
  },
  {
    name: "!= excludes only the value",
    q: "SELECT Id FROM Lead WHERE Status != 'Open - Not Contacted'",
    ids: ["grace", "alan"],
  },
  { name: "= null", q: "SELECT Id FROM Lead WHERE Email = null", ids: ["grace", "babbage"] },
  { name: "!= null", q: "SELECT Id FROM Lead WHERE Email != null", ids: ["ada", "alan"] },
  {
    name: "!= value keeps nulls",
    q: "SELECT Id FROM Lead WHERE LeadSource != 'Web'",
    ids: ["grace", "alan", "babbage"],
  },
  // LIKE
  {
    name: "LIKE prefix, case-insensitive",
    q: "SELECT Id FROM Lead WHERE FirstName LIKE 'a%'",
    ids: ["ada", "alan"],
  },
  { name: "LIKE suffix", q: "SELECT Id FROM Lead WHERE LastName LIKE '%ING'", ids: ["alan"] },
  {
    name: "LIKE single-char wildcard",
    q: "SELECT Id FROM Lead WHERE FirstName LIKE '_da'",
    ids: ["ada"],
  },
  {
    name: "LIKE escaped underscore",
    q: "SELECT Id FROM Opportunity WHERE Name LIKE '%\\_%'",
    ids: ["initechDeal"],
  },
  {
    name: "LIKE escaped percent",
    q: "SELECT Id FROM Opportunity WHERE Name LIKE '%100\\%'",
    ids: ["initechDeal"],
  },
  {
    name: "LIKE never matches null",
    q: "SELECT Id FROM Lead WHERE FirstName LIKE '%'",
    ids: ["ada", "grace", "alan"],
  },
  // IN / NOT IN
  {
    name: "IN",
    q: "SELECT Id FROM Lead WHERE LeadSource IN ('Web', 'Phone Inquiry')",
    ids: ["ada", "grace"],
  },
  {
    name: "NOT IN keeps nulls",
    q: "SELECT Id FROM Lead WHERE LeadSource NOT IN ('Web')",
    ids: ["grace", "alan", "babbage"],
  },
  {
    name: "IN with numbers",
    q: "SELECT Id FROM Opportunity WHERE Amount IN (0, 7500)",
    ids: ["globexPilot", "initechDeal"],
  },
  // Numbers
  { name: "> on int", q: "SELECT Id FROM Lead WHERE NumberOfEmployees > 100", ids: ["grace"] },
  { name: "<= on int", q: "SELECT Id FROM Lead WHERE NumberOfEmployees <= 12", ids: ["ada"] },
  {
    name: ">= on currency",
    q: "SELECT Id FROM Opportunity WHERE Amount >= 10000",
    ids: ["acmeRenewal", "acmeExpansion", "orphan"],
  },
  {
    name: "< skips nulls",
    q: "SELECT Id FROM Opportunity WHERE Amount < 10000",
    ids: ["globexPilot", "initechDeal"],
  },
  {
    name: "decimal equality",
    q: "SELECT Id FROM Opportunity WHERE Amount = 250000.5",
    ids: ["orphan"],
  },
  {
    name: "currency-prefixed literal",
    q: "SELECT Id FROM Opportunity WHERE Amount > USD40000",
    ids: ["acmeExpansion", "orphan"],
  },
  // Boolean logic
  {
    name: "parenthesised OR inside AND",
    q: "SELECT Id FROM Opportunity WHERE (StageName = 'Closed Won' OR StageName = 'Closed Lost') AND Amount != null",
    ids: ["globexPilot"],
  },
  {
    name: "NOT over a group",
    q: "SELECT Id FROM Opportunity WHERE NOT (StageName = 'Prospecting')",
    ids: ALL_OPPS.filter((k) => k !== "acmeRenewal"),
  },
  {
    name: "NOT binds tighter than AND",
    q: "SELECT Id FROM Opportunity WHERE NOT Amount = null AND IsClosed = false",
    ids: ["acmeRenewal", "acmeExpansion", "initechDeal", "orphan"],
  },
  {
    name: "nested parentheses",
    q: "SELECT Id FROM Opportunity WHERE Amount > 1000 AND (AccountId = null OR (IsWon = true AND Amount < 10000))",
    ids: ["globexPilot", "orphan"],
  },
  {
    name: "boolean true",
    q: "SELECT Id FROM Opportunity WHERE IsWon = true",
    ids: ["globexPilot"],
  },
  {
    name: "boolean FALSE",
    q: "SELECT Id FROM Opportunity WHERE IsClosed = FALSE",
    ids: ["acmeRenewal", "acmeExpansion", "initechDeal", "orphan"],
  },
  // Date literals on a date field
  { name: "TODAY", q: "SELECT Id FROM Opportunity WHERE CloseDate = TODAY", ids: ["acmeRenewal"] },
  {
    name: "YESTERDAY",
    q: "SELECT Id FROM Opportunity WHERE CloseDate = YESTERDAY",
    ids: ["acmeExpansion"],
  },
  {
    name: "LAST_N_DAYS:30 includes today",
    q: "SELECT Id FROM Opportunity WHERE CloseDate = LAST_N_DAYS:30",
    ids: ["acmeRenewal", "acmeExpansion", "globexPilot"],
  },
  {
    name: "NEXT_N_DAYS:30 starts tomorrow",
    q: "SELECT Id FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:30",
    ids: ["initechDeal"],
  },
  {
    name: "THIS_MONTH",
    q: "SELECT Id FROM Opportunity WHERE CloseDate = THIS_MONTH",
    ids: ["acmeRenewal", "acmeExpansion", "globexPilot"],
  },
  {
    name: "LAST_MONTH",
    q: "SELECT Id FROM Opportunity WHERE CloseDate = LAST_MONTH",
    ids: ["globexPlatform"],
  },
  {
    name: "THIS_WEEK starts Sunday",
    q: "SELECT Id FROM Opportunity WHERE CloseDate = THIS_WEEK",
    ids: ["acmeRenewal", "acmeExpansion"],
  },
  {
    name: "> TODAY",
    q: "SELECT Id FROM Opportunity WHERE CloseDate > TODAY",
    ids: ["initechDeal", "orphan"],
  },
  {
    name: "ISO date literal",
    q: "SELECT Id FROM Opportunity WHERE CloseDate < 2026-11-01",
    ids: ["globexPlatform"],
  },
  {
    name: "date range with ISO literals",
    q: "SELECT Id FROM Opportunity WHERE CloseDate >= 2026-11-22 AND CloseDate <= 2026-12-31",
    ids: ["acmeRenewal", "acmeExpansion", "initechDeal"],
  },
  {
    name: "date literal IN list",
    q: "SELECT Id FROM Opportunity WHERE CloseDate IN (TODAY, YESTERDAY)",
    ids: ["acmeRenewal", "acmeExpansion"],
  },
  // Datetime field
  {
    name: "datetime literal (Z)",
    q: "SELECT Id FROM Lead WHERE CreatedDate > 2026-11-22T00:00:00Z",
    ids: ["ada", "grace"],
  },
  {
    name: "datetime literal with offset",
    q: "SELECT Id FROM Lead WHERE CreatedDate < 2026-11-22T12:00:00+01:00",
    ids: ["alan", "babbage"],
  },
  { name: "TODAY on a datetime", q: "SELECT Id FROM Lead WHERE CreatedDate = TODAY", ids: ["ada"] },
  {
    name: "LAST_N_DAYS:1 on a datetime",
    q: "SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:1",
    ids: ["ada", "grace"],
  },
  // Relationships and shapes
  {
    name: "parent field nested with attributes",
    q: "SELECT Name, Account.Name, Account.Industry FROM Opportunity WHERE Name = 'Acme Renewal'",
    ids: ["acmeRenewal"],
    check: (r, fx) =>
      expect(r.records[0]).toEqual({
        attributes: {
          type: "Opportunity",
          url: `/services/data/v62.0/sobjects/Opportunity/${fx.id.acmeRenewal}`,
        },
        Name: "Acme Renewal",
        Account: {
          attributes: {
            type: "Account",
            url: `/services/data/v62.0/sobjects/Account/${fx.id.acme}`,
          },
          Name: "Acme",
          Industry: "Technology",
        },
      }),
  },
  {
    name: "filter through a relationship",
    q: "SELECT Id FROM Opportunity WHERE Account.Industry = 'Technology'",
    ids: ["acmeRenewal", "acmeExpansion"],
  },
  {
    name: "missing parent is null",
    q: "SELECT Id, Account.Name FROM Opportunity WHERE Name = 'Orphan Deal'",
    ids: ["orphan"],
    check: (r) => expect(r.records[0].Account).toBeNull(),
  },
  {
    name: "Owner.Name resolves to the user",
    q: "SELECT Owner.Name, Owner.Username FROM Lead WHERE LastName = 'Lovelace'",
    check: (r) =>
      expect(r.records[0].Owner).toMatchObject({
        Name: "Tollgate Integration",
        Username: "integration@tollgate.sandbox",
      }),
  },
  {
    name: "object alias",
    q: "SELECT o.Name FROM Opportunity o WHERE o.Amount > 40000",
    ids: ["acmeExpansion", "orphan"],
  },
  {
    name: "escaped quote in string",
    q: "SELECT Id FROM Account WHERE Name = 'O\\'Reilly Media'",
    ids: ["oreilly"],
  },
  {
    name: "15-char id matches the 18-char id",
    q: "", // filled in at run time from the fixture
    ids: ["ada"],
  },
  // Ordering and paging
  {
    name: "ORDER BY DESC NULLS LAST",
    q: "SELECT Id FROM Opportunity ORDER BY Amount DESC NULLS LAST",
    ids: ["orphan", "acmeExpansion", "acmeRenewal", "globexPilot", "initechDeal", "globexPlatform"],
    ordered: true,
  },
  {
    name: "ORDER BY ASC puts nulls first by default",
    q: "SELECT Id FROM Opportunity ORDER BY Amount",
    ids: ["globexPlatform", "initechDeal", "globexPilot", "acmeRenewal", "acmeExpansion", "orphan"],
    ordered: true,
  },
  {
    name: "ORDER BY DESC puts nulls first by default too",
    q: "SELECT Id FROM Opportunity WHERE AccountId != null ORDER BY Amount DESC",
    ids: ["globexPlatform", "acmeExpansion", "acmeRenewal", "globexPilot", "initechDeal"],
    ordered: true,
  },
  {
    name: "multiple sort keys",
    q: "SELECT Id FROM Lead ORDER BY Status, LastName DESC",
    ids: ["alan", "ada", "babbage", "grace"],
    ordered: true,
  },
  {
    name: "ORDER BY a parent field, NULLS LAST",
    q: "SELECT Id FROM Opportunity ORDER BY Account.Name NULLS LAST, Name",
    ids: ["acmeExpansion", "acmeRenewal", "globexPilot", "globexPlatform", "initechDeal", "orphan"],
    ordered: true,
  },
  {
    name: "LIMIT",
    q: "SELECT Id FROM Opportunity ORDER BY Name LIMIT 2",
    ids: ["acmeExpansion", "acmeRenewal"],
    ordered: true,
  },
  {
    name: "LIMIT with OFFSET",
    q: "SELECT Id FROM Opportunity ORDER BY Name LIMIT 2 OFFSET 2",
    ids: ["globexPilot", "globexPlatform"],
    ordered: true,
  },
  // Counting and aggregates
  {
    name: "COUNT()",
    q: "SELECT COUNT() FROM Lead",
    totalSize: 4,
    check: (r) => expect(r.records).toEqual([]),
  },
  {
    name: "COUNT() with WHERE",
    q: "SELECT COUNT() FROM Lead WHERE Status = 'Open - Not Contacted'",
    totalSize: 2,
  },
  {
    name: "COUNT(Id) as expr0",
    q: "SELECT COUNT(Id) FROM Opportunity",
    check: (r) =>
      expect(r.records).toEqual([{ attributes: { type: "AggregateResult" }, expr0: 6 }]),
  },
  {
    name: "COUNT(Id) with alias",
    q: "SELECT COUNT(Id) n FROM Opportunity WHERE IsClosed = true",
    check: (r) => expect(r.records[0].n).toBe(2),
  },
  {
    name: "COUNT(field) skips nulls",
    q: "SELECT COUNT(Email) FROM Lead",
    check: (r) => expect(r.records[0].expr0).toBe(2),
  },
  {
    name: "GROUP BY with SUM",
    q: "SELECT Account.Name, SUM(Amount) total FROM Opportunity WHERE AccountId != null GROUP BY Account.Name ORDER BY Account.Name",
    check: (r) =>
      expect(r.records.map((x) => [x.Name, x.total])).toEqual([
        ["Acme", 60000],
        ["Globex", 7500],
        ["Initech", 0],
      ]),
  },
  // Semi-join, queryAll, history
  {
    name: "semi-join sub-select",
    q: "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE IsWon = true)",
    ids: ["globex"],
  },
  {
    name: "deleted records hidden from query",
    q: "SELECT Id FROM Lead WHERE LastName = 'Ghost'",
    ids: [],
  },
  {
    name: "queryAll includes deleted records",
    q: "SELECT Id, IsDeleted FROM Lead WHERE LastName = 'Ghost'",
    ids: ["ghost"],
    includeDeleted: true,
  },
  {
    name: "field history is queryable",
    q: "SELECT Field, OldValue, NewValue FROM OpportunityFieldHistory WHERE Field = 'Amount'",
    check: (r, fx) => {
      expect(r.records).toHaveLength(1);
      expect(r.records[0]).toMatchObject({ Field: "Amount", OldValue: 40000, NewValue: 50000 });
      const parent = evaluateSoql(
        `SELECT OpportunityId FROM OpportunityFieldHistory WHERE Field = 'Amount'`,
        fx.store,
        { now: NOW },
      );
      expect(parent.records[0].OpportunityId).toBe(fx.id.acmeExpansion);
    },
  },
  {
    name: "FIELDS(STANDARD) expands to every field",
    q: "SELECT FIELDS(STANDARD) FROM Account WHERE Name = 'Acme'",
    check: (r) =>
      expect(r.records[0]).toMatchObject({
        Name: "Acme",
        Industry: "Technology",
        AnnualRevenue: 5000000,
        IsDeleted: false,
      }),
  },
];

const ERROR_CASES: Array<{ q: string; code: string }> = [
  // Malformed: the parser or our structural checks reject these.
  { q: "SELEC Id FROM Lead", code: "MALFORMED_QUERY" },
  { q: "SELECT FROM Lead", code: "MALFORMED_QUERY" },
  { q: "SELECT Id FROM", code: "MALFORMED_QUERY" },
  { q: "SELECT Id FROM Lead WHERE", code: "MALFORMED_QUERY" },
  { q: "SELECT Id FROM Lead WHERE Status = 'x' AND", code: "MALFORMED_QUERY" },
  { q: "SELECT Id, FROM Lead", code: "MALFORMED_QUERY" },
  { q: "SELECT Id FROM Lead WHERE Name = 'unterminated", code: "MALFORMED_QUERY" },
  { q: "SELECT Id FROM Lead WHERE (Status = 'x'", code: "MALFORMED_QUERY" },
  { q: "SELECT Id FROM Lead ORDER BY", code: "MALFORMED_QUERY" },
  { q: "SELECT Id FROM Lead LIMIT abc", code: "MALFORMED_QUERY" },
  {
    q: "SELECT Id FROM Lead WHERE Status = 'a' AND Status = 'b' OR Status = 'c'",
    code: "MALFORMED_QUERY",
  },
  { q: "SELECT Id FROM Lead WHERE Foo = 1 AND Bar = 2 OR Baz = 3", code: "MALFORMED_QUERY" },
  { q: "SELECT Id FROM Lead WHERE Status = 'a' Status = 'b'", code: "MALFORMED_QUERY" },
  { q: "DELETE FROM Lead", code: "MALFORMED_QUERY" },
  { q: "", code: "MALFORMED_QUERY" },
  { q: "SELECT Id, Id FROM Lead", code: "MALFORMED_QUERY" },
  { q: "SELECT COUNT(), Id FROM Lead", code: "MALFORMED_QUERY" },
  { q: "SELECT Name, COUNT(Id) FROM Lead", code: "MALFORMED_QUERY" },
  { q: "SELECT Id FROM Lead OFFSET 5000", code: "MALFORMED_QUERY" },
  { q: "SELECT FIELDS(ALL) FROM Lead", code: "MALFORMED_QUERY" },
  // Unknown objects and fields
  { q: "SELECT Id FROM Foo", code: "INVALID_TYPE" },
  { q: "SELECT Foo FROM Lead", code: "INVALID_FIELD" },
  { q: "SELECT Id FROM Lead WHERE Foo = 'x'", code: "INVALID_FIELD" },
  { q: "SELECT Id FROM Lead ORDER BY Foo", code: "INVALID_FIELD" },
  { q: "SELECT Bogus.Name FROM Opportunity", code: "INVALID_FIELD" },
  { q: "SELECT Account.Bogus FROM Opportunity", code: "INVALID_FIELD" },
  // Type errors in filters
  { q: "SELECT Id FROM Opportunity WHERE Amount = 'abc'", code: "INVALID_FIELD" },
  { q: "SELECT Id FROM Lead WHERE CreatedDate > 2026-01-01", code: "INVALID_FIELD" },
  { q: "SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z", code: "INVALID_FIELD" },
  { q: "SELECT Id FROM Lead WHERE LastName = 5", code: "INVALID_FIELD" },
  { q: "SELECT Id FROM OpportunityFieldHistory WHERE NewValue = 'x'", code: "INVALID_FIELD" },
  { q: "SELECT Id FROM Lead WHERE Id = 'xyz'", code: "INVALID_QUERY_FILTER_OPERATOR" },
  { q: "SELECT Id FROM Opportunity WHERE Amount LIKE '1%'", code: "INVALID_QUERY_FILTER_OPERATOR" },
  { q: "SELECT Id FROM Opportunity WHERE IsWon > true", code: "INVALID_QUERY_FILTER_OPERATOR" },
];

describe("evaluateSoql", () => {
  let fx: Fixture;
  const keyOf = (id: unknown) => Object.entries(fx.id).find(([, v]) => v === id)?.[0] ?? String(id);

  beforeAll(() => {
    fx = buildFixture();
    const idCase = CASES.find((c) => c.name.startsWith("15-char id"))!;
    idCase.q = `SELECT Id FROM Lead WHERE Id = '${fx.id.ada.slice(0, 15)}'`;
  });

  it.each(CASES)("$name", (c) => {
    const result = evaluateSoql(c.q, fx.store, { now: NOW, includeDeleted: c.includeDeleted });
    if (c.ids) {
      const got = result.records.map((r) => keyOf(r.attributes.url?.split("/").pop()));
      if (c.ordered) expect(got).toEqual(c.ids);
      else expect([...got].sort()).toEqual([...c.ids].sort());
      expect(result.totalSize).toBe(c.ids.length);
    }
    if (c.totalSize !== undefined) expect(result.totalSize).toBe(c.totalSize);
    expect(result.done).toBe(true);
    c.check?.(result, fx);
  });

  it.each(ERROR_CASES)("rejects `$q` with $code", ({ q, code }) => {
    let caught: unknown;
    try {
      evaluateSoql(q, fx.store, { now: NOW });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SoqlError);
    expect((caught as SoqlError).errorCode).toBe(code);
    expect((caught as SoqlError).message.length).toBeGreaterThan(0);
  });

  it("works over plain arrays through createRecordSource", () => {
    const source = createRecordSource({
      Account: [...fx.store.records("Account")],
      Opportunity: [...fx.store.records("Opportunity")],
    });
    const result = evaluateSoql(
      "SELECT Name, Account.Name FROM Opportunity WHERE Account.Name = 'Globex' ORDER BY Name",
      source,
      { now: NOW },
    );
    expect(result.records.map((r) => r.Name)).toEqual(["Globex Pilot", "Globex Platform"]);
  });

  it("puts the API version into record urls", () => {
    const result = evaluateSoql("SELECT Id FROM Account WHERE Name = 'Acme'", fx.store, {
      now: NOW,
      apiVersion: "58.0",
    });
    expect(result.records[0].attributes.url).toBe(
      `/services/data/v58.0/sobjects/Account/${fx.id.acme}`,
    );
  });
});
