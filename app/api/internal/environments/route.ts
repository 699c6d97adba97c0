import { withSession } from "@/lib/http/with-session";
import { listConnections } from "@/lib/environments";

// GET /api/internal/environments — connection status and API usage per environment (no secrets)
export const GET = withSession({ permission: "environments:read" }, async () => ({
  environments: await listConnections(),
}));
