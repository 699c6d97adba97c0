import { withSession } from "@/lib/http/with-session";
import { createDraftVersion, ZCreateVersionInput } from "@/lib/workflows";

// POST /api/internal/workflows/:id/versions — a new draft copying a version, with changes
export const POST = withSession(
  { permission: "workflows:write", body: ZCreateVersionInput },
  async ({ user, body, params, context }) => ({
    version: await createDraftVersion(user.id, params.id, body, context),
  }),
);
