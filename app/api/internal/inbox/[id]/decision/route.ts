import { withSession } from "@/lib/http/with-session";
import { decideActionRequest, ZDecisionInput } from "@/lib/approvals";

// POST /api/internal/inbox/{id}/decision {decision: approve|deny, reason?, seen?}
export const POST = withSession(
  { permission: "inbox:decide", body: ZDecisionInput },
  async ({ user, params, body, context }) => decideActionRequest(params.id, user, body, context),
);
