import { agentRoutes } from "@/lib/http/agent-routes";

// /api/agent/v1/mcp — Model Context Protocol over streamable HTTP, same API-key auth
// (also served by lib/http/agent-door.ts)
export const POST = agentRoutes.mcpPost;
export const GET = agentRoutes.mcpGet;
export const DELETE = agentRoutes.mcpGet;
