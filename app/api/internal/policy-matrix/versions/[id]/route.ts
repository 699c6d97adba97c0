import { withSession } from "@/lib/http/with-session";
import { getMatrixVersion } from "@/lib/matrix";

// GET /api/internal/policy-matrix/versions/:id — a version's rules and its diff against the active one
export const GET = withSession({ permission: "policy:read" }, async ({ params }) =>
  getMatrixVersion(params.id),
);
