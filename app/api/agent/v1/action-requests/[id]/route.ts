import { withAgentKey } from "@/lib/http/with-agent-key";
import { getActionRequest, ZGetQuery } from "@/lib/agent-api";

// GET /api/agent/v1/action-requests/:id[?waitSeconds=N] — status, decision and execution
export const GET = withAgentKey({}, async ({ agent, params, req }) => {
  const { waitSeconds } = ZGetQuery.parse(Object.fromEntries(new URL(req.url).searchParams));
  return Response.json(await getActionRequest(agent, params.id, waitSeconds, req.signal));
});
