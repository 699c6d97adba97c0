import { withSession } from "@/lib/http/with-session";
import { assertVersionOf, discardDraftVersion, ZDiscardDraftInput } from "@/lib/workflows";

// POST /api/internal/workflows/:id/versions/:versionId/discard — drop a draft unpublished
export const POST = withSession(
  { permission: "workflows:write", body: ZDiscardDraftInput },
  async ({ user, body, params, context }) => {
    await assertVersionOf(params.id, params.versionId);
    return {
      version: await discardDraftVersion(user.id, params.versionId, body, context),
    };
  },
);
