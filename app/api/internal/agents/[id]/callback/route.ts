import { withSession } from "@/lib/http/with-session";
import { setAgentCallbackById } from "@/lib/webhooks/config";
import { ZSignedUrlInput } from "@/lib/webhooks/webhook-input";

// POST /api/internal/agents/:id/callback — set (new secret, shown once) or clear the agent's callback URL
export const POST = withSession(
  { permission: "agents:write", body: ZSignedUrlInput },
  async ({ user, body, params, context }) =>
    setAgentCallbackById(params.id, body, user.id, context),
);
