import { agentRoutes } from "@/lib/http/agent-routes";

// POST /api/agent/v1/action-requests — an agent proposes a change (API.md). The production
// server answers this path itself (lib/http/agent-door.ts) with the same handler.
export const POST = agentRoutes.createActionRequest;
