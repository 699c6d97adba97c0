import { withSession } from "@/lib/http/with-session";
import { addGrant, listAgentGrants, ZAddGrantInput } from "@/lib/agents";

// GET /api/internal/agents/:id/grants — the agent's permission sets, their grants and history
export const GET = withSession({ permission: "agents:read" }, async ({ params }) =>
  listAgentGrants(params.id),
);

// POST /api/internal/agents/:id/grants — a new standing grant in one of its sets (a reason)
export const POST = withSession(
  { permission: "grants:write", body: ZAddGrantInput },
  async ({ user, body, params, context }) => addGrant(params.id, body, user.id, context),
);
