import { withSession } from "@/lib/http/with-session";
import { getBackout } from "@/lib/backouts";

// GET /api/internal/backouts/:id — its plan, progress (field by field) and what you may do with it
export const GET = withSession({ permission: "requests:read" }, async ({ user, params }) =>
  getBackout(params.id, user),
);
