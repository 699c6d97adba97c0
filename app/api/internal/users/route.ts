import { withSession } from "@/lib/http/with-session";
import { listUsers } from "@/lib/users";

// GET /api/internal/users — admin only: users, roles, groups
export const GET = withSession({ permission: "users:read" }, async () => ({
  users: await listUsers(),
}));
