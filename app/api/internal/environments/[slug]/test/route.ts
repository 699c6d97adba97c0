import { withSession } from "@/lib/http/with-session";
import { testConnection } from "@/lib/environments";

// POST /api/internal/environments/:slug/test — log in to Salesforce and run a trivial query
export const POST = withSession(
  { permission: "environments:write" },
  async ({ user, params, context }) => ({
    environment: await testConnection(params.slug, user.id, context),
  }),
);
