import { agentRoutes } from "@/lib/http/agent-routes";

// GET /api/agent/v1/me — what this agent is and may do (also served by lib/http/agent-door.ts)
export const GET = agentRoutes.me;
