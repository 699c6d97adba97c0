import { withSession } from "@/lib/http/with-session";
import { bulkDecide, ZBulkDecision } from "@/lib/approvals";

// POST /api/internal/inbox/bulk {ids, decision, reason} — one reason for the whole selection
export const POST = withSession(
  { permission: "inbox:decide", body: ZBulkDecision },
  async ({ user, body, context }) => bulkDecide(user, body, context),
);
