import { withSession } from "@/lib/http/with-session";
import { listPermissionReviews } from "@/lib/agents";

// GET /api/internal/agents/:id/reviews — the agent's permission sets, last review, due date
export const GET = withSession({ permission: "agents:read" }, async ({ params }) => ({
  reviews: await listPermissionReviews(params.id),
}));
