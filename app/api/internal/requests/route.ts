import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { listRequests } from "@/lib/requests";

// the service validates the filters itself (400 invalid_query with the failing fields)
const ZQuery = z.record(z.string(), z.string());

// GET /api/internal/requests?status=failed,denied&agent=…&cursor=… — every action request, newest first, one keyset page
export const GET = withSession({ permission: "requests:read", query: ZQuery }, async ({ query }) =>
  listRequests(query),
);
