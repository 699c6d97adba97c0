import { withSession } from "@/lib/http/with-session";
import { setUserRoles, ZUserRolesInput } from "@/lib/users";

// POST /api/internal/users/:id/roles — an admin sets the roles a person holds in every environment
export const POST = withSession(
  { permission: "users:write", body: ZUserRolesInput },
  async ({ user, body, params, context }) => setUserRoles(params.id, body, user.id, context),
);
