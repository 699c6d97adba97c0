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
import { handleMcp } from "@/lib/agent-api/mcp";

/**
 * The agent API's handlers (API.md), one function per method and path. Both doors serve these
 * same functions: the app/api/agent/v1 route files (Next, `npm run dev`) re-export them, and the
 * production server's own door (lib/http/agent-door.ts) calls them without Next's per-request
 * machinery. Web Request in, Response out.
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
  mcpPost: withAgentKey({ body: z.unknown() }, ({ agent, req, body, requestId }) =>
    handleMcp(agent, req, body, requestId),
  ),
  mcpGet: withAgentKey({}, ({ agent, req, requestId }) =>
    handleMcp(agent, req, undefined, requestId),
  ),
};

export type TAgentRouteHandler = (
  req: Request,
  ctx: { params: Promise<Record<string, string>> },
) => Promise<Response> | Response;

const BASE = "/api/agent/v1";
const ONE_REQUEST = new RegExp(`^${BASE}/action-requests/([^/]+)$`);

/** The handler for a method and path of the agent API, with its path parameters; else null. */
export function matchAgentRoute(
  method: string,
  pathname: string,
): { handler: TAgentRouteHandler; params: Record<string, string> } | null {
  if (!pathname.startsWith(BASE)) return null;
  if (method === "POST" && pathname === `${BASE}/action-requests`)
    return { handler: agentRoutes.createActionRequest, params: {} };
  const one = ONE_REQUEST.exec(pathname);
  if (method === "GET" && one) {
    let id: string;
    try {
      id = decodeURIComponent(one[1]);
    } catch {
      return null; // a malformed escape: Next answers it
    }
    return { handler: agentRoutes.getActionRequest, params: { id } };
  }
  if (method === "GET" && pathname === `${BASE}/me`) return { handler: agentRoutes.me, params: {} };
  if (method === "GET" && pathname === `${BASE}/openapi.json`)
    return { handler: agentRoutes.openApi, params: {} };
  if (pathname === `${BASE}/mcp`) {
    const handler = {
      POST: agentRoutes.mcpPost,
      GET: agentRoutes.mcpGet,
      DELETE: agentRoutes.mcpGet,
    }[method];
    return handler ? { handler, params: {} } : null;
  }
  return null;
}
