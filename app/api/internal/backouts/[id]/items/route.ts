import { withSession } from "@/lib/http/with-session";
import { listBackoutItems, ZItemQuery } from "@/lib/backouts";

// GET /api/internal/backouts/:id/items?state=&after=&limit= — the plan's items, a page at a time
export const GET = withSession(
  { permission: "requests:read", query: ZItemQuery },
  async ({ params, query }) => listBackoutItems(params.id, query),
);
