import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { listAgents } from "@/lib/agents";

// GET /api/internal/agents?env=prod — the Agents page's data
export const GET = withSession(
  {
    permission: "agents:read",
    query: z.object({ env: z.string().min(1).max(40).default("prod") }),
  },
  async ({ query }) => ({ agents: await listAgents(query.env) }),
);
