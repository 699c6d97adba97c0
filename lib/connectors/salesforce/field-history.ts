/**
 * Where Salesforce keeps an object's field history: `OpportunityFieldHistory` (OpportunityId)
 * for opportunities, `<Object>History` (`<Object>Id`) for the other standard objects, and
 * `<Name>__History` (ParentId) for a custom object `<Name>__c`. Null for a name that is not a
 * plain API name (nothing else goes into SOQL).
 */
export function fieldHistoryOf(object: string): { name: string; parent: string } | null {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(object)) return null;
  if (object === "Opportunity") return { name: "OpportunityFieldHistory", parent: "OpportunityId" };
  if (object.endsWith("__c")) return { name: `${object.slice(0, -1)}History`, parent: "ParentId" };
  return { name: `${object}History`, parent: `${object}Id` };
}
