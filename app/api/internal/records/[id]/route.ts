import { withSession } from "@/lib/http/with-session";
import { getRecordTimeline, ZTimelineQuery } from "@/lib/requests/record-timeline";

// GET /api/internal/records/:id?env=&before= — every Tollgate request on a Salesforce record,
// merged with its Salesforce field history
export const GET = withSession(
  { permission: "requests:read", query: ZTimelineQuery },
  async ({ params, query }) => getRecordTimeline(params.id, query),
);
