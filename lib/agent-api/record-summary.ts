import { z } from "zod";
import type { SalesforceConnector } from "@/lib/connectors/salesforce";

/**
 * What a person needs to recognise a record without opening Salesforce: its name, account,
 * amount, stage and owner. Taken at ingest (stored on the action request as `recordSummary`,
 * so the inbox list reads no Salesforce per row) and read again for the inbox detail.
 */
const ZRecordSummary = z.object({
  name: z.string().nullable(),
  account: z.string().nullable(),
  amount: z.number().nullable(),
  stage: z.string().nullable(),
  owner: z.string().nullable(),
});
export type TRecordSummary = z.infer<typeof ZRecordSummary>;

type TKey = keyof TRecordSummary;
/** Per object, the field (or parent path) each part comes from; an object not listed: Name. */
const SPEC: Record<string, Partial<Record<TKey, string>>> = {
  Opportunity: {
    name: "Name",
    account: "Account.Name",
    amount: "Amount",
    stage: "StageName",
    owner: "Owner.Name",
  },
  Account: { name: "Name", owner: "Owner.Name" },
  Contact: { name: "Name", account: "Account.Name", owner: "Owner.Name" },
  Lead: { name: "Name", account: "Company", stage: "Status", owner: "Owner.Name" },
  Quote: {
    name: "Name",
    account: "Account.Name",
    amount: "GrandTotal",
    stage: "Status",
  },
  Order: {
    name: "OrderNumber",
    account: "Account.Name",
    amount: "TotalAmount",
    stage: "Status",
    owner: "Owner.Name",
  },
  Case: { name: "Subject", account: "Account.Name", stage: "Status", owner: "Owner.Name" },
};
const specFor = (object: string) => SPEC[object] ?? { name: "Name" };

const KEYS: TKey[] = ["name", "account", "amount", "stage", "owner"];

function at(record: Record<string, unknown>, path: string): unknown {
  let v: unknown = record;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object") return null;
    v = (v as Record<string, unknown>)[part];
  }
  return v ?? null;
}

function build(object: string, pick: (path: string) => unknown): TRecordSummary | null {
  const spec = specFor(object);
  const out: TRecordSummary = { name: null, account: null, amount: null, stage: null, owner: null };
  for (const key of KEYS) {
    const path = spec[key];
    if (!path) continue;
    const v = pick(path);
    if (key === "amount") out.amount = typeof v === "number" && Number.isFinite(v) ? v : null;
    else if (typeof v === "string" && v.trim()) out[key] = v.trim().slice(0, 255);
  }
  return KEYS.some((k) => out[k] !== null) ? out : null;
}

/**
 * For a create: the proposed values (Name, Company, Amount, StageName…). Parent names are not
 * known yet (only their ids), so they stay empty; a Lead's name is built from First/Last name.
 */
export function summaryFromValues(
  object: string,
  values: Record<string, unknown>,
): TRecordSummary | null {
  const name =
    typeof values.Name === "string"
      ? values.Name
      : [values.FirstName, values.LastName].filter((v) => typeof v === "string" && v).join(" ");
  return build(object, (path) =>
    path.includes(".") ? null : path === "Name" ? name || null : values[path],
  );
}

/**
 * The summary of an existing record with one SOQL query (parent names need a relationship
 * path, which the sObject row resource does not take). The id is quoted as SOQL requires;
 * callers pass ids Salesforce already accepted or validated ones.
 */
export async function readRecordSummary(
  sf: Pick<SalesforceConnector, "query">,
  object: string,
  recordId: string,
): Promise<TRecordSummary | null> {
  if (!/^[A-Za-z0-9_]+$/.test(object) || !/^[A-Za-z0-9]{15,18}$/.test(recordId)) return null;
  const paths = [...new Set(Object.values(specFor(object)))];
  const { records } = await sf.query<Record<string, unknown>>(
    `SELECT ${paths.join(", ")} FROM ${object} WHERE Id = '${recordId}' LIMIT 1`,
    { maxRecords: 1 },
  );
  return records[0] ? build(object, (path) => at(records[0], path)) : null;
}

/** A stored snapshot as the inbox renders it (null when absent or not in this shape). */
export function parseRecordSummary(v: unknown): TRecordSummary | null {
  const r = ZRecordSummary.safeParse(v);
  return r.success ? r.data : null;
}
