import { withSession } from "@/lib/http/with-session";
import { getActiveMatrix } from "@/lib/matrix";

// GET /api/internal/policy-matrix — the active who-approves-what matrix
export const GET = withSession({ permission: "policy:read" }, async () => ({
  matrix: await getActiveMatrix(),
}));
