import { agentRoutes } from "@/lib/http/agent-routes";

// GET /api/agent/v1/action-requests/:id[?waitSeconds=N] — status, decision and execution
// (the production server's door serves the same handler: lib/http/agent-door.ts)
export const GET = agentRoutes.getActionRequest;
