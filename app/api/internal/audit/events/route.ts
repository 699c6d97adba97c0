import { withSession } from "@/lib/http/with-session";
import { listAuditEvents } from "@/lib/audit";

// GET /api/internal/audit/events?lane=&actor=&subjectType=&subjectId=&action=&recordId=&from=&to=&cursor=&limit=
// — one lane's events, newest first, keyset-paged; each with its seal status (bad input: 400 invalid_query)
export const GET = withSession({ permission: "audit:read" }, async ({ req }) =>
  listAuditEvents(Object.fromEntries(new URL(req.url).searchParams)),
);
