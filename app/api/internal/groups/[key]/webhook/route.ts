import { withSession } from "@/lib/http/with-session";
import { setGroupWebhookFromConsole, ZGroupWebhookInput } from "@/lib/groups";

// POST /api/internal/groups/:key/webhook — set (new secret, shown once) or clear the escalation webhook
export const POST = withSession(
  { permission: "groups:write", body: ZGroupWebhookInput },
  async ({ user, body, params, context }) =>
    setGroupWebhookFromConsole(params.key, body, user.id, context),
);
