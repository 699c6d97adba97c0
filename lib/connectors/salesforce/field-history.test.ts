import { describe, expect, it } from "vitest";
import { fieldHistoryOf } from "./field-history";

describe("fieldHistoryOf", () => {
  it.each([
    ["Opportunity", { name: "OpportunityFieldHistory", parent: "OpportunityId" }],
    ["Lead", { name: "LeadHistory", parent: "LeadId" }],
    ["Account", { name: "AccountHistory", parent: "AccountId" }],
    ["Invoice__c", { name: "Invoice__History", parent: "ParentId" }],
    ["Bad' OR Id != null", null],
    ["", null],
  ])("%s → %j", (object, expected) => {
    expect(fieldHistoryOf(object)).toEqual(expected);
  });
});
