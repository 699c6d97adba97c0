import { withSession } from "@/lib/http/with-session";
import { changeGroupMember, ZGroupMemberInput } from "@/lib/groups";

// POST /api/internal/groups/:key/members — add a person to the group or take them out
export const POST = withSession(
  { permission: "groups:write", body: ZGroupMemberInput },
  async ({ user, body, params, context }) => changeGroupMember(params.key, body, user.id, context),
);
