import { withSession } from "@/lib/http/with-session";
import {
  attachPermissionSet,
  detachPermissionSet,
  ZAttachPermissionSetInput,
  ZDetachPermissionSetInput,
} from "@/lib/agents";

// PUT /api/internal/agents/:id/permission-sets/:setId — attach a set of its environment (a reason)
export const PUT = withSession(
  { permission: "grants:write", body: ZAttachPermissionSetInput },
  async ({ user, body, params, context }) =>
    attachPermissionSet(params.id, params.setId, body, user.id, context),
);

// DELETE /api/internal/agents/:id/permission-sets/:setId — detach it from the agent
export const DELETE = withSession(
  { permission: "grants:write", body: ZDetachPermissionSetInput },
  async ({ user, body, params, context }) =>
    detachPermissionSet(params.id, params.setId, body, user.id, context),
);
