import { describe, expect, it } from "vitest";
import { parseRecordSummary, readRecordSummary, summaryFromValues } from "./record-summary";

describe("summaryFromValues (a create's proposed values)", () => {
  it.each([
    [
      "Opportunity",
      { Name: "Expansion 2027", AccountId: "001x", StageName: "Qualification", Amount: 42000 },
      { name: "Expansion 2027", account: null, amount: 42000, stage: "Qualification", owner: null },
    ],
    [
      "Lead",
      { FirstName: "Ada", LastName: "Byron", Company: "Analytical Engines", Status: "Open" },
      {
        name: "Ada Byron",
        account: "Analytical Engines",
        amount: null,
        stage: "Open",
        owner: null,
      },
    ],
    ["Opportunity", { NextStep: "call" }, null],
    ["Opportunity", { Name: "  ", Amount: "12" }, null],
    [
      "Widget__c",
      { Name: "W-1" },
      { name: "W-1", account: null, amount: null, stage: null, owner: null },
    ],
  ])("%s %j", (object, values, expected) => {
    expect(summaryFromValues(object, values)).toEqual(expected);
  });
});

describe("readRecordSummary", () => {
  it("asks one SOQL query with parent names and maps it", async () => {
    const asked: string[] = [];
    const sf = {
      query: async (soql: string) => {
        asked.push(soql);
        return {
          totalSize: 1,
          records: [
            {
              Name: "Renewal",
              Account: { Name: "Acme" },
              Amount: 1000,
              StageName: "Prospecting",
              Owner: { Name: "Dana" },
            },
          ],
        };
      },
    } as never;
    expect(await readRecordSummary(sf, "Opportunity", "0068d0000000001AAA")).toEqual({
      name: "Renewal",
      account: "Acme",
      amount: 1000,
      stage: "Prospecting",
      owner: "Dana",
    });
    expect(asked).toEqual([
      "SELECT Name, Account.Name, Amount, StageName, Owner.Name FROM Opportunity WHERE Id = '0068d0000000001AAA' LIMIT 1",
    ]);
  });

  it("never puts anything but an id and an object name into the query", async () => {
    const sf = { query: async () => ({ totalSize: 0, records: [] }) } as never;
    expect(await readRecordSummary(sf, "Opportunity", "x' OR Name != '")).toBeNull();
    expect(await readRecordSummary(sf, "Opportunity WHERE", "0068d0000000001AAA")).toBeNull();
  });
});

it("parseRecordSummary accepts only the stored shape", () => {
  const ok = { name: "A", account: null, amount: 1, stage: null, owner: null };
  expect(parseRecordSummary(ok)).toEqual(ok);
  expect(parseRecordSummary({ name: 1 })).toBeNull();
  expect(parseRecordSummary(null)).toBeNull();
});
