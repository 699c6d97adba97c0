import "server-only";
import { db, type Tx } from "@/lib/db";

/**
 * Salesforce reads an object's API name in any case ("lead" is Lead), Tollgate compares names
 * exactly: a grant or a field-ownership row saved as "lead" would never meet a request for
 * Lead — a grant that silently allows nothing, an ownership rule that silently guards nothing.
 * So names are made canonical where they come in: the spelling of the action types that act on
 * the object (an agent's request must name its action type's object exactly, so that is the
 * spelling requests carry). A name no action type acts on is kept as written.
 */
export async function canonicalObjectName(object: string, c: Tx = db): Promise<string> {
  const rows = await c.$queryRaw<{ object: string }[]>`
    select distinct object from "ActionType" where lower(object) = lower(${object})
    order by object limit 2`;
  if (rows.some((r) => r.object === object)) return object;
  return rows.length === 1 ? rows[0].object : object;
}

/** A field name as Salesforce's describe spells it ("website" is Website), or null if none. */
export function canonicalFieldName(field: string, described: Iterable<string>): string | null {
  let match: string | null = null;
  for (const name of described) {
    if (name === field) return name;
    if (name.toLowerCase() === field.toLowerCase()) match = name;
  }
  return match;
}
