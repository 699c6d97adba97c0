import { withAgentKey } from "@/lib/http/with-agent-key";
import { getActionRequest, ZGetQuery } from "@/lib/agent-api";

// GET /api/agent/v1/action-requests/:id[?waitSeconds=N] — status, decision and execution
export const GET = withAgentKey({ query: ZGetQuery }, ({ agent, params, query, req }) =>
  getActionRequest(agent, params.id, query.waitSeconds, req.signal),
);
