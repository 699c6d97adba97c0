import { withSession } from "@/lib/http/with-session";
import { assertVersionOf, promoteCanary, ZPromoteInput } from "@/lib/workflows";

// POST /api/internal/workflows/:id/versions/:versionId/promote — canary 5 → 25 → 100
export const POST = withSession(
  { permission: "workflows:write", body: ZPromoteInput },
  async ({ user, body, params, context }) => {
    await assertVersionOf(params.id, params.versionId);
    return {
      version: await promoteCanary(user.id, params.versionId, body, context),
    };
  },
);
