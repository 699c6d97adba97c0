import { withSession } from "@/lib/http/with-session";
import { verifyAuditEvent } from "@/lib/audit";

// POST /api/internal/audit/events/:id/verify — re-hash one event (content, and its link to the
// previous sealed event); reads only. A POST: a check a person asks for now, never cached or
// prefetched, same-origin JSON like every console action.
export const POST = withSession({ permission: "audit:read" }, async ({ params }) =>
  verifyAuditEvent(params.id),
);
