import { withSession } from "@/lib/http/with-session";
import { revokeAgentKey, ZRevokeAgentKeyInput } from "@/lib/agents";

// POST /api/internal/agents/:id/keys/:keyId/revoke — refuse the key from now on (reason required)
export const POST = withSession(
  { permission: "agent_keys:write", body: ZRevokeAgentKeyInput },
  async ({ user, body, params, context }) =>
    revokeAgentKey(params.id, params.keyId, body, user.id, context),
);
