import { withSession } from "@/lib/http/with-session";
import { createAgentKey, listAgentKeys, ZCreateAgentKeyInput } from "@/lib/agents";

// GET /api/internal/agents/:id/keys — the agent's keys: prefix, label, dates, state
export const GET = withSession({ permission: "agents:read" }, async ({ params }) => ({
  keys: await listAgentKeys(params.id),
}));

// POST /api/internal/agents/:id/keys — mint a key; the plaintext is in this answer only
export const POST = withSession(
  { permission: "agent_keys:write", body: ZCreateAgentKeyInput },
  async ({ user, body, params, context }) => createAgentKey(params.id, body, user.id, context),
);
