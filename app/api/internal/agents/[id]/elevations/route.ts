import { withSession } from "@/lib/http/with-session";
import { elevateAgent, listElevations, ZElevateAgentInput } from "@/lib/agents";

// GET /api/internal/agents/:id/elevations — the agent's time-bounded grants, who gave them, why
export const GET = withSession({ permission: "agents:read" }, async ({ params }) => ({
  elevations: await listElevations(params.id),
}));

// POST /api/internal/agents/:id/elevations — an admin gives the agent more scope for N hours
export const POST = withSession(
  { permission: "agents:elevate", body: ZElevateAgentInput },
  async ({ user, body, params, context }) => elevateAgent(params.id, body, user.id, context),
);
