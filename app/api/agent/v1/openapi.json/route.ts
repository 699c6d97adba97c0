import { agentRoutes } from "@/lib/http/agent-routes";

// GET /api/agent/v1/openapi.json — generated from the handlers' zod schemas; no auth
// (also served by lib/http/agent-door.ts)
export const dynamic = "force-static";
export const GET = agentRoutes.openApi;
