import "server-only";
import type { db, Tx } from "@/lib/db";

/**
 * Whether a create of this action type may be reverted by deleting its record: the active
 * matrix's rule for it says so (and the rule is reversible). Asked when a revert is planned, when
 * it is approved (lib/approvals/decide.ts) and again just before the delete (lib/execution/write.ts):
 * a rule changed in between stops it.
 */
export async function deleteAllowedFor(
  client: Tx | typeof db,
  ar: { actionTypeId: string | null; actionType: { operation: string } | null },
) {
  if (ar.actionType?.operation !== "create" || !ar.actionTypeId) return false;
  const rule = await client.policyRule.findFirst({
    where: { actionTypeId: ar.actionTypeId, matrixVersion: { status: "active" } },
    orderBy: { matrixVersion: { version: "desc" } },
    select: { rollbackByDelete: true, reversible: true },
  });
  return Boolean(rule?.rollbackByDelete && rule.reversible);
}
