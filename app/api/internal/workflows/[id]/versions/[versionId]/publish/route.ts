import { withSession } from "@/lib/http/with-session";
import { assertVersionOf, publishCanary, ZPublishCanaryInput } from "@/lib/workflows";

// POST /api/internal/workflows/:id/versions/:versionId/publish — the draft goes out as a 5% canary
export const POST = withSession(
  { permission: "workflows:write", body: ZPublishCanaryInput },
  async ({ user, body, params, context }) => {
    await assertVersionOf(params.id, params.versionId);
    return {
      version: await publishCanary(user.id, params.versionId, body, context),
    };
  },
);
