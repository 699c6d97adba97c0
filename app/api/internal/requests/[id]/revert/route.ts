import { withSession } from "@/lib/http/with-session";
import { planRevert, requestRevert, ZRevertInput } from "@/lib/reverts";

// GET /api/internal/requests/:id/revert — what a revert would do now (Salesforce read, nothing written)
export const GET = withSession({ permission: "requests:revert" }, async ({ params }) =>
  planRevert(params.id),
);

// POST /api/internal/requests/:id/revert — ask for the revert: a new request, waiting for approval
export const POST = withSession(
  { permission: "requests:revert", body: ZRevertInput },
  async ({ user, body, params, context }) => requestRevert(user, params.id, body, context),
);
