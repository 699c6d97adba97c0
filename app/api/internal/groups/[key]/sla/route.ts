import { withSession } from "@/lib/http/with-session";
import { setGroupSla, ZGroupSlaInput } from "@/lib/groups";

// POST /api/internal/groups/:key/sla — the group's default SLA (for rules that set none)
export const POST = withSession(
  { permission: "groups:write", body: ZGroupSlaInput },
  async ({ user, body, params, context }) => setGroupSla(params.key, body, user.id, context),
);
