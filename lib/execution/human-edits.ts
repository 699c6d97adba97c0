import {
  ConnectorError,
  fieldHistoryOf,
  type SalesforceConnector,
  type TConnectorCall,
} from "@/lib/connectors/salesforce";
import type { THumanEdit } from "./field-rules";

const SF_ID = /^[a-zA-Z0-9]{15,18}$/;
const FIELD = /^\w+$/;
/** SOQL datetime literal: UTC, no quotes, no milliseconds. */
const soqlTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * Edits of these fields of these records since `since` by anyone but Tollgate's integration
 * user, from the object's field history, in one query (and one more for the editors' names),
 * keyed by the record's 15-character id. Fails closed: a history that cannot be read throws
 * (a ConnectorError the try classifies), since a yield cannot be honoured without it.
 */
export async function humanEditsOf(
  sf: SalesforceConnector,
  object: string,
  recordIds: readonly string[],
  fields: readonly string[],
  since: Date,
  log: TConnectorCall[],
): Promise<Map<string, THumanEdit[]>> {
  const out = new Map<string, THumanEdit[]>();
  const h = fieldHistoryOf(object);
  if (!h) {
    throw new ConnectorError(
      "validation",
      "NO_FIELD_HISTORY",
      `${object} has no field history to tell a person's edits from Tollgate's`,
    );
  }
  const ids = [...new Set(recordIds)].filter((id) => SF_ID.test(id));
  const names = [...new Set(fields)].filter((f) => FIELD.test(f));
  if (!ids.length || !names.length) return out;
  const me = await sf.integrationUserId({ log });
  const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(",");
  const { records } = await sf.query<{
    Field: string;
    CreatedDate: string;
    CreatedById: string;
    [parent: string]: unknown;
  }>(
    `SELECT ${h.parent}, Field, CreatedDate, CreatedById FROM ${h.name} WHERE ${h.parent} IN (${list(ids)}) AND Field IN (${list(names)}) AND CreatedDate >= ${soqlTime(since)} ORDER BY CreatedDate DESC`,
    { log, maxRecords: 2_000 },
  );
  const mine = me.slice(0, 15);
  const edits = records.filter((r) => String(r.CreatedById).slice(0, 15) !== mine);
  const people = [...new Set(edits.map((r) => r.CreatedById))].filter((u) => SF_ID.test(u));
  const who = new Map<string, string>();
  if (people.length) {
    // names are for the message only: without them it names the user id
    const { records: users } = await sf
      .query<{ Id: string; Name: string }>(
        `SELECT Id, Name FROM User WHERE Id IN (${list(people)})`,
        { log },
      )
      .catch(() => ({ records: [] as { Id: string; Name: string }[] }));
    for (const u of users) who.set(u.Id, u.Name);
  }
  for (const r of edits) {
    const key = String(r[h.parent]).slice(0, 15);
    const edit = {
      field: r.Field,
      at: new Date(r.CreatedDate),
      by: who.get(r.CreatedById) ?? r.CreatedById,
    };
    out.set(key, [...(out.get(key) ?? []), edit]);
  }
  return out;
}
