import "server-only";
import { Prisma, type Tx } from "@/lib/db";
import type { TAuditAction } from "./events";
import { auditAppendSql, type TAuditInput } from "./write-audit-event";

/**
 * An event built now and appended later (by `writeAuditEvents`, with others): typed as
 * `writeAuditEvent`'s input, and named so the registry's test finds its action.
 */
export function auditEvent<A extends TAuditAction>(input: TAuditInput<A>): TAuditInput<A> {
  return input;
}

/** Appends per statement: ~20 parameters each, well below PostgreSQL's 65,535 a statement. */
const PER_STATEMENT = 500;

/**
 * Append many events inside the caller's transaction in one round trip per 500, in the order
 * given (each event is one `tollgate_append_audit` call of a UNION ALL, which PostgreSQL runs
 * in order) — what `writeAuditEvent` does for one, for a batch of requests.
 */
export async function writeAuditEvents(tx: Tx, inputs: TAuditInput<TAuditAction>[]) {
  for (let i = 0; i < inputs.length; i += PER_STATEMENT) {
    const part = inputs.slice(i, i + PER_STATEMENT).map((input) => auditAppendSql(input));
    await tx.$queryRaw(Prisma.join(part, " union all ", "", ""));
  }
}
