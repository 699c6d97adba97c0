import { withAgentKey } from "@/lib/http/with-agent-key";
import { created } from "@/lib/http/created";
import { createActionRequest, ZActionRequestInput } from "@/lib/agent-api";

// POST /api/agent/v1/action-requests — an agent proposes a change (API.md): 201, or 200 when the
// same idempotency key and body are replayed; refusals are problems. Ingest counts the call.
export const POST = withAgentKey(
  { body: ZActionRequestInput, countCall: false },
  async ({ agent, body, requestId }) => {
    const { actionRequest, replayed } = await createActionRequest(agent, body, requestId);
    return replayed ? actionRequest : created(actionRequest, actionRequest.links.self);
  },
);
