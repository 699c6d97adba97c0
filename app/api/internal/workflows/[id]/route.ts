import { withSession } from "@/lib/http/with-session";
import { getWorkflow } from "@/lib/workflows";

// GET /api/internal/workflows/:id — versions, who published them, request counts, kill switch
export const GET = withSession({ permission: "workflows:read" }, async ({ params }) =>
  getWorkflow(params.id),
);
