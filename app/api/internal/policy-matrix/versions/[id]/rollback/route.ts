import { withSession } from "@/lib/http/with-session";
import { rollbackTo, ZRollbackInput } from "@/lib/matrix";

// POST /api/internal/policy-matrix/versions/:id/rollback — a new active version with this one's rules
export const POST = withSession(
  { permission: "policy:publish", body: ZRollbackInput },
  async ({ user, body, params, context }) => ({
    version: await rollbackTo(user.id, params.id, body, context),
  }),
);
