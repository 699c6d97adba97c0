import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { createAgent, listAgents, ZCreateAgentInput } from "@/lib/agents";

// GET /api/internal/agents?env=prod — the Agents page's data
export const GET = withSession(
  {
    permission: "agents:read",
    query: z.object({ env: z.string().min(1).max(40).default("prod") }),
  },
  async ({ query }) => ({ agents: await listAgents(query.env) }),
);

// POST /api/internal/agents — a new agent (observe phase, no scope yet)
export const POST = withSession(
  { permission: "agents:write", body: ZCreateAgentInput },
  async ({ user, body, context }) => createAgent(body, user.id, context),
);
