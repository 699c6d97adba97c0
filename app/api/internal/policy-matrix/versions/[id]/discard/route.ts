import { withSession } from "@/lib/http/with-session";
import { discardDraft, ZDiscardInput } from "@/lib/matrix";

// POST /api/internal/policy-matrix/versions/:id/discard — drop the open draft unpublished
export const POST = withSession(
  { permission: "policy:edit", body: ZDiscardInput },
  async ({ user, body, params, context }) => ({
    version: await discardDraft(user.id, params.id, body, context),
  }),
);
