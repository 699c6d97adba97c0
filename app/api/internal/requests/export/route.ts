import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { exportRequests } from "@/lib/requests";

// the service validates the filters and the format itself (400 invalid_query)
const ZQuery = z.record(z.string(), z.string());

// GET /api/internal/requests/export?format=csv|jsonl&<the list's filters> — the filtered set, streamed
export const GET = withSession({ permission: "requests:read", query: ZQuery }, async ({ query }) =>
  exportRequests(query),
);
