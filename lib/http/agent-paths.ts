/**
 * The agent API's paths and methods (API.md), with no handlers and no imports: the production
 * server's door (agent-door.ts) matches a request against them outside Next's bundle, then
 * calls the handler Next's compiled route module exports for that route (scripts/serve.ts), so
 * the server process holds one copy of lib/. Keep in step with app/api/agent/v1/.
 */
export const AGENT_ROUTES = {
  "/api/agent/v1/action-requests": ["POST"],
  "/api/agent/v1/action-requests/[id]": ["GET"],
  "/api/agent/v1/me": ["GET"],
  "/api/agent/v1/openapi.json": ["GET"],
  "/api/agent/v1/mcp": ["POST", "GET", "DELETE"],
} as const;

/** A route of the agent API, named as its route file's folder under app/ (Next's page name). */
export type TAgentRoute = keyof typeof AGENT_ROUTES;

/** What a route file exports for a method: Web Request in, Response out. */
export type TAgentRouteHandler = (
  req: Request,
  ctx: { params: Promise<Record<string, string>> },
) => Promise<Response> | Response;

const BASE = "/api/agent/v1";
const ONE_REQUEST = new RegExp(`^${BASE}/action-requests/([^/]+)$`);
const FIXED = new Map<string, TAgentRoute>(
  (Object.keys(AGENT_ROUTES) as TAgentRoute[]).filter((r) => !r.includes("[")).map((r) => [r, r]),
);

/**
 * The route a method and path of the agent API go to, with its path parameters; null for any
 * other path or method (Next answers those: 405, HEAD, OPTIONS, 404).
 */
export function matchAgentPath(
  method: string,
  pathname: string,
): { route: TAgentRoute; params: Record<string, string> } | null {
  if (!pathname.startsWith(BASE)) return null;
  let route = FIXED.get(pathname);
  let params: Record<string, string> = {};
  if (!route) {
    const one = ONE_REQUEST.exec(pathname);
    if (!one) return null;
    try {
      params = { id: decodeURIComponent(one[1]) };
    } catch {
      return null; // a malformed escape: Next answers it
    }
    route = "/api/agent/v1/action-requests/[id]";
  }
  return (AGENT_ROUTES[route] as readonly string[]).includes(method) ? { route, params } : null;
}
