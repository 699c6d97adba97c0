import { withSession } from "@/lib/http/with-session";
import { getRequestHistory } from "@/lib/requests/request-history";

// GET /api/internal/requests/:id — one action request's whole life, in any status
export const GET = withSession({ permission: "requests:read" }, async ({ params }) =>
  getRequestHistory(params.id),
);
