import { withSession } from "@/lib/http/with-session";
import { getInboxItem } from "@/lib/approvals";

// GET /api/internal/inbox/{id} — the diff (with the value in Salesforce read now), evidence, rule
export const GET = withSession({ permission: "inbox:read" }, async ({ user, params }) =>
  getInboxItem(user, params.id),
);
