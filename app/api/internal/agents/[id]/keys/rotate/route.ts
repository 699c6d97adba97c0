import { withSession } from "@/lib/http/with-session";
import { rotateAgentKeys, ZRotateAgentKeysInput } from "@/lib/agents";

// POST /api/internal/agents/:id/keys/rotate — new key now; older keys work until graceUntil
export const POST = withSession(
  { permission: "agent_keys:write", body: ZRotateAgentKeysInput },
  async ({ user, body, params, context }) => rotateAgentKeys(params.id, body, user.id, context),
);
