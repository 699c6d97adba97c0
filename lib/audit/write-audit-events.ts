import "server-only";
import type { Tx } from "@/lib/db";
import type { TAuditAction } from "./events";
import { auditAppendRows, type TAuditInput } from "./write-audit-event";

/**
 * An event built now and appended later (by `writeAuditEvents`, with others): typed as
 * `writeAuditEvent`'s input, and named so the registry's test finds its action.
 */
export function auditEvent<A extends TAuditAction>(input: TAuditInput<A>): TAuditInput<A> {
  return input;
}

/** Events per statement: one jsonb parameter each, a few MB at most. */
const PER_STATEMENT = 2_000;

/**
 * Append many events inside the caller's transaction in one round trip per 2,000, in the order
 * given (`tollgate_append_audit_many` inserts a jsonb array's elements in order) — what
 * `writeAuditEvent` does for one, for a batch of requests.
 */
export async function writeAuditEvents(tx: Tx, inputs: TAuditInput<TAuditAction>[]) {
  for (let i = 0; i < inputs.length; i += PER_STATEMENT) {
    const rows = auditAppendRows(inputs.slice(i, i + PER_STATEMENT));
    await tx.$queryRaw`select tollgate_append_audit_many(${rows}::jsonb)`;
  }
}
