import { withSession } from "@/lib/http/with-session";
import { setGroupRotation, ZGroupRotationInput } from "@/lib/groups";

// POST /api/internal/groups/:key/rotation — the on-call order and weekly handoff
export const POST = withSession(
  { permission: "groups:write", body: ZGroupRotationInput },
  async ({ user, body, params, context }) => setGroupRotation(params.key, body, user.id, context),
);
