import { withSession } from "@/lib/http/with-session";
import { inviteUser, listUsers, ZInviteUserInput } from "@/lib/users";

// GET /api/internal/users — admin only: users, roles, groups
export const GET = withSession({ permission: "users:read" }, async () => ({
  users: await listUsers(),
}));

// POST /api/internal/users — an admin invites a person (the initial password is in the answer, once)
export const POST = withSession(
  { permission: "users:write", body: ZInviteUserInput },
  async ({ user, body, context }) => inviteUser(body, user.id, context),
);
