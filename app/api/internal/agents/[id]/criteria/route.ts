import { withSession } from "@/lib/http/with-session";
import { setPromotionCriteria, ZPromotionCriteriaInput } from "@/lib/gates";

// POST /api/internal/agents/:id/criteria — a risk owner sets the agent's promotion criteria
export const POST = withSession(
  { permission: "promotion_criteria:write", body: ZPromotionCriteriaInput },
  async ({ user, body, params, context }) =>
    setPromotionCriteria(params.id, body, user.id, context),
);
