import { withSession } from "@/lib/http/with-session";
import { assertVersionOf, rollbackCanary, ZRollbackInput } from "@/lib/workflows";

// POST /api/internal/workflows/:id/versions/:versionId/rollback — retire the canary
export const POST = withSession(
  { permission: "workflows:write", body: ZRollbackInput },
  async ({ user, body, params, context }) => {
    await assertVersionOf(params.id, params.versionId);
    return {
      version: await rollbackCanary(
        params.versionId,
        { type: "user", userId: user.id },
        body.reason,
        context,
      ),
    };
  },
);
