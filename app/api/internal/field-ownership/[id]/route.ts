import { withSession } from "@/lib/http/with-session";
import {
  deleteFieldOwnership,
  updateFieldOwnership,
  ZDeleteFieldOwnershipInput,
  ZUpdateFieldOwnershipInput,
} from "@/lib/field-ownership";

// PATCH /api/internal/field-ownership/:id — change a field's writers and rules (409 if stale)
export const PATCH = withSession(
  { permission: "field_ownership:write", body: ZUpdateFieldOwnershipInput },
  async ({ user, body, params, context }) =>
    updateFieldOwnership(params.id, body, user.id, context),
);

// DELETE /api/internal/field-ownership/:id — remove a field's rule, with a reason (409 if stale)
export const DELETE = withSession(
  { permission: "field_ownership:write", body: ZDeleteFieldOwnershipInput },
  async ({ user, body, params, context }) =>
    deleteFieldOwnership(params.id, body, user.id, context),
);
