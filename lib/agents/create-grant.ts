import "server-only";
import type { Tx } from "@/lib/db";
import { canonicalObjectName } from "@/lib/field-ownership/object-names";
import type { TGrantScope } from "./schemas";

/**
 * The one place a grant row is made, for a standing grant (grants.ts: add, edit) and an
 * elevation (elevate-agent.ts): the scope as the schema parsed it, in `permissionSetId`, valid
 * from `validFrom` until `validUntil` (null: standing), by whom and why. Callers write their own
 * audit event in the same transaction.
 */
export async function createGrant(
  tx: Tx,
  input: {
    permissionSetId: string;
    scope: TGrantScope;
    validFrom: Date;
    validUntil?: Date | null;
    grantedById: string;
    reason: string;
  },
) {
  return tx.grant.create({
    data: {
      permissionSetId: input.permissionSetId,
      // as the action types spell it: an elevation typed "lead" would never match otherwise
      object: await canonicalObjectName(input.scope.object, tx),
      operations: input.scope.operations,
      writableFields: input.scope.fields,
      recordCondition: input.scope.recordCondition,
      validFrom: input.validFrom,
      validUntil: input.validUntil ?? null,
      grantedById: input.grantedById,
      reason: input.reason,
    },
    select: { id: true },
  });
}
