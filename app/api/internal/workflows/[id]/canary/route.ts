import { withSession } from "@/lib/http/with-session";
import { getCanaryCard } from "@/lib/gates";

// GET /api/internal/workflows/:id/canary — the canary vs its baseline (or the last rolled back one)
export const GET = withSession({ permission: "workflows:read" }, async ({ params }) =>
  getCanaryCard(params.id),
);
