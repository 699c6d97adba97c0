import { withSession } from "@/lib/http/with-session";
import { getAgent, updateAgent, ZUpdateAgentInput } from "@/lib/agents";

// GET /api/internal/agents/:id — one agent with owner, grants, limits and its keys (no hashes)
export const GET = withSession({ permission: "agents:read" }, async ({ params }) => ({
  agent: await getAgent(params.id),
}));

// POST /api/internal/agents/:id — edit name, description, owner, limits (a reason to raise one)
export const POST = withSession(
  { permission: "agents:write", body: ZUpdateAgentInput },
  async ({ user, body, params, context }) => updateAgent(params.id, body, user.id, context),
);
