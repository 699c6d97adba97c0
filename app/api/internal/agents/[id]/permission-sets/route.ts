import { withSession } from "@/lib/http/with-session";
import { createPermissionSet, ZCreatePermissionSetInput } from "@/lib/agents";

// POST /api/internal/agents/:id/permission-sets — a new, empty set, attached to the agent
export const POST = withSession(
  { permission: "grants:write", body: ZCreatePermissionSetInput },
  async ({ user, body, params, context }) => createPermissionSet(params.id, body, user.id, context),
);
