import { withSession } from "@/lib/http/with-session";
import { setUserStatus, ZUserStatusInput } from "@/lib/users";

// POST /api/internal/users/:id/status — an admin deactivates (sessions end at once) or reactivates a person
export const POST = withSession(
  { permission: "users:write", body: ZUserStatusInput },
  async ({ user, body, params, context }) => setUserStatus(params.id, body, user.id, context),
);
