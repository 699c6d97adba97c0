import { withSession } from "@/lib/http/with-session";
import { replaceGrant, revokeGrant, ZReplaceGrantInput, ZRevokeGrantInput } from "@/lib/agents";

// PUT /api/internal/agents/:id/grants/:grantId — edit: revoke it and make a new grant
export const PUT = withSession(
  { permission: "grants:write", body: ZReplaceGrantInput },
  async ({ user, body, params, context }) =>
    replaceGrant(params.id, params.grantId, body, user.id, context),
);

// DELETE /api/internal/agents/:id/grants/:grantId — revoke it (an elevation: end it early)
export const DELETE = withSession(
  { permission: "grants:write", body: ZRevokeGrantInput },
  async ({ user, body, params, context }) =>
    revokeGrant(params.id, params.grantId, body, user.id, context),
);
