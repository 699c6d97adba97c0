import { withSession } from "@/lib/http/with-session";
import { actOnDraft, ZDraftAction } from "@/lib/approvals";

// POST /api/internal/inbox/{id}/draft {action: execute|discard, reason?, seen?}
export const POST = withSession(
  { permission: "inbox:decide", body: ZDraftAction },
  async ({ user, params, body, context }) => actOnDraft(params.id, user, body, context),
);
