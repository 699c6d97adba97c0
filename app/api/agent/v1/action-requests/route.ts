import { withAgentKey } from "@/lib/http/with-agent-key";
import { createActionRequest } from "@/lib/agent-api";

// POST /api/agent/v1/action-requests — an agent proposes a change (API.md)
export const POST = withAgentKey({ body: true, countCall: false }, ({ agent, body, requestId }) =>
  createActionRequest(agent, body, requestId),
);
