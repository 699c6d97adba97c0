import { withSession } from "@/lib/http/with-session";
import { listInbox, ZInboxQuery } from "@/lib/approvals";

// GET /api/internal/inbox?agent=&actionType=&workflow=&environment=&age=&kind=&cursor=&limit=
export const GET = withSession(
  { permission: "inbox:read", query: ZInboxQuery },
  async ({ user, query }) => listInbox(user, query),
);
