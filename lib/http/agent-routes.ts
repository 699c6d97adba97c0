import { z } from "zod";
import { withAgentKey } from "@/lib/http/with-agent-key";
import { created } from "@/lib/http/created";
import {
  createActionRequest,
  describeAgent,
  getActionRequest,
  openApiDocument,
  ZActionRequestInput,
  ZGetQuery,
} from "@/lib/agent-api";
import { handleMcp, isProposeCall } from "@/lib/agent-api/mcp";
import type { TAgentRoute, TAgentRouteHandler } from "./agent-paths";

/**
 * The agent API's handlers (API.md), one function per method and path, which the
 * app/api/agent/v1 route files export. The production server's door (lib/http/agent-door.ts)
 * calls them through Next's compiled route modules (scripts/serve.ts), never through this file,
 * so the process holds one copy of lib/; integration tests call them in-process
 * (`agentRouteHandler`). Web Request in, Response out.
 */
export const agentRoutes = {
  // POST /action-requests — an agent proposes a change: 201, or 200 when the same idempotency key
  // and body are replayed; refusals are problems. Ingest counts the call.
  createActionRequest: withAgentKey(
    { body: ZActionRequestInput, countCall: false },
    async ({ agent, body, requestId }) => {
      const { actionRequest, replayed } = await createActionRequest(agent, body, requestId);
      return replayed ? actionRequest : created(actionRequest, actionRequest.links.self);
    },
  ),
  // GET /action-requests/:id[?waitSeconds=N] — status, decision and execution
  getActionRequest: withAgentKey({ query: ZGetQuery }, ({ agent, params, query, req }) =>
    getActionRequest(agent, params.id, query.waitSeconds, req.signal),
  ),
  // GET /me — what this agent is and may do
  me: withAgentKey({}, ({ agent }) => describeAgent(agent)),
  // GET /openapi.json — generated from the handlers' zod schemas; no auth
  openApi: () => Response.json(openApiDocument()),
  // /mcp — Model Context Protocol over streamable HTTP, same API-key auth; the transport checks
  // the JSON-RPC body and answers with its own Response
  // a propose_action call is counted by createActionRequest's admission, as on POST
  // /action-requests: counting the MCP message too took two of the agent's calls per minute
  mcpPost: withAgentKey(
    { body: z.unknown(), countCall: (body) => !isProposeCall(body) },
    ({ agent, req, body, requestId }) => handleMcp(agent, req, body, requestId),
  ),
  mcpGet: withAgentKey({}, ({ agent, req, requestId }) =>
    handleMcp(agent, req, undefined, requestId),
  ),
};

/** The handler of a route and method (the route files export the same), for an in-process door. */
export function agentRouteHandler(
  route: TAgentRoute,
  method: string,
): TAgentRouteHandler | undefined {
  const byRoute: Record<TAgentRoute, Record<string, TAgentRouteHandler>> = {
    "/api/agent/v1/action-requests": { POST: agentRoutes.createActionRequest },
    "/api/agent/v1/action-requests/[id]": { GET: agentRoutes.getActionRequest },
    "/api/agent/v1/me": { GET: agentRoutes.me },
    "/api/agent/v1/openapi.json": { GET: agentRoutes.openApi },
    "/api/agent/v1/mcp": {
      POST: agentRoutes.mcpPost,
      GET: agentRoutes.mcpGet,
      DELETE: agentRoutes.mcpGet,
    },
  };
  return byRoute[route][method];
}
