import { withSession } from "@/lib/http/with-session";
import { updateDraftRule, ZRuleSettings } from "@/lib/matrix";

// PUT /api/internal/policy-matrix/versions/:id/rules/:actionType — one rule of the open draft
export const PUT = withSession(
  { permission: "policy:edit", body: ZRuleSettings },
  async ({ user, body, params, context }) => ({
    rule: await updateDraftRule(user.id, params.id, params.actionType, body, context),
  }),
);
