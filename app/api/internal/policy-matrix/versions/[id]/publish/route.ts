import { withSession } from "@/lib/http/with-session";
import { publishDraft, ZPublishInput } from "@/lib/matrix";

// POST /api/internal/policy-matrix/versions/:id/publish — a second person makes the draft active
export const POST = withSession(
  { permission: "policy:publish", body: ZPublishInput },
  async ({ user, body, params, context }) => ({
    version: await publishDraft(user.id, params.id, body, context),
  }),
);
