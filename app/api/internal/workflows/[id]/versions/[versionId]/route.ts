import { withSession } from "@/lib/http/with-session";
import { assertVersionOf, editDraftVersion, ZEditDraftInput } from "@/lib/workflows";

// PATCH /api/internal/workflows/:id/versions/:versionId — edit a draft (published: 409)
export const PATCH = withSession(
  { permission: "workflows:write", body: ZEditDraftInput },
  async ({ user, body, params, context }) => {
    await assertVersionOf(params.id, params.versionId);
    return {
      version: await editDraftVersion(user.id, params.versionId, body, context),
    };
  },
);
