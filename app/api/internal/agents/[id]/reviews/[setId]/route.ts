import { withSession } from "@/lib/http/with-session";
import { reviewPermissionSet, ZPermissionReviewInput } from "@/lib/agents";

// POST /api/internal/agents/:id/reviews/:setId — record a review: keep, or revoke its grants
export const POST = withSession(
  { permission: "permission_reviews:write", body: ZPermissionReviewInput },
  async ({ user, body, params, context }) =>
    reviewPermissionSet(params.id, params.setId, body, user.id, context),
);
