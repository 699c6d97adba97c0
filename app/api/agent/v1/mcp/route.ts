import { z } from "zod";
import { withAgentKey } from "@/lib/http/with-agent-key";
import { handleMcp } from "@/lib/agent-api/mcp";

// /api/agent/v1/mcp — Model Context Protocol over streamable HTTP, same API-key auth; the
// transport checks the JSON-RPC body and answers with its own Response
export const POST = withAgentKey({ body: z.unknown() }, ({ agent, req, body, requestId }) =>
  handleMcp(agent, req, body, requestId),
);
export const GET = withAgentKey({}, ({ agent, req, requestId }) =>
  handleMcp(agent, req, undefined, requestId),
);
export const DELETE = GET;
