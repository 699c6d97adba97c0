import "server-only";
import type { Tx } from "@/lib/db";

/**
 * Lock one request's row for the rest of the caller's transaction, so everything that acts on
 * it (decisions, drafts, operator actions, the execution claim) is serialised. False when no
 * such request exists.
 */
export async function lockActionRequest(tx: Tx, id: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    select id from "ActionRequest" where id = ${id} for update`;
  return rows.length === 1;
}
