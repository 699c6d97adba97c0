import { withSession } from "@/lib/http/with-session";
import { createGroup, listGroups, ZCreateGroupInput } from "@/lib/groups";

// GET /api/internal/groups — approver groups, members by name, SLA, webhook URL, who is on call
export const GET = withSession({ permission: "groups:read" }, async () => ({
  groups: await listGroups(),
}));

// POST /api/internal/groups — an admin creates an approver group
export const POST = withSession(
  { permission: "groups:write", body: ZCreateGroupInput },
  async ({ user, body, context }) => createGroup(body, user.id, context),
);
