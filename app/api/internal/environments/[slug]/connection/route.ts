import { withSession } from "@/lib/http/with-session";
import { updateConnection, ZConnectionInput } from "@/lib/environments";

// PUT /api/internal/environments/:slug/connection — admin edits the Salesforce connection
export const PUT = withSession(
  { permission: "environments:write", body: ZConnectionInput },
  async ({ user, body, params, context }) => ({
    environment: await updateConnection(params.slug, body, user.id, context),
  }),
);
