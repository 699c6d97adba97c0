import { withSession } from "@/lib/http/with-session";
import { getAgent } from "@/lib/agents";

// GET /api/internal/agents/:id — one agent with owner, grants, limits and its keys (no hashes)
export const GET = withSession({ permission: "agents:read" }, async ({ params }) => ({
  agent: await getAgent(params.id),
}));
