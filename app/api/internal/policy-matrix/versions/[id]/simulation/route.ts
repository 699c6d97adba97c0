import { withSession } from "@/lib/http/with-session";
import { simulateDraft } from "@/lib/matrix";

// GET /api/internal/policy-matrix/versions/:id/simulation — the last 30 days replayed through it
export const GET = withSession({ permission: "policy:read" }, async ({ params }) => ({
  simulation: await simulateDraft(params.id),
}));
