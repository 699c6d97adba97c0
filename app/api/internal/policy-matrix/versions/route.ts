import { withSession } from "@/lib/http/with-session";
import { createDraft, listMatrixVersions, ZCreateDraftInput } from "@/lib/matrix";

// GET /api/internal/policy-matrix/versions — every version, newest first, with who and when
export const GET = withSession({ permission: "policy:read" }, async () => ({
  versions: await listMatrixVersions(),
}));

// POST /api/internal/policy-matrix/versions — open a draft copying the active version (one at a time)
export const POST = withSession(
  { permission: "policy:edit", body: ZCreateDraftInput },
  async ({ user, body, context }) => ({ draft: await createDraft(user.id, body, context) }),
);
