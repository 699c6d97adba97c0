import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { z } from "zod";
import type { TAuthenticatedAgent } from "@/lib/agents/api-keys";
import { toProblem } from "@/lib/http/problem";
import { createActionRequest } from "./create-action-request";
import { describeAgent } from "./describe-agent";
import { getActionRequest } from "./get-action-request";
import { ZActionRequestInput } from "./contract";

type TToolResult = { content: { type: "text"; text: string }[]; isError: boolean };

/**
 * A tool's answer as the HTTP API would give it: the JSON body, or the problem+json body (with
 * the call's request id) as a tool error.
 */
async function run(fn: () => Promise<unknown>, requestId: string): Promise<TToolResult> {
  try {
    return { content: [{ type: "text", text: JSON.stringify(await fn()) }], isError: false };
  } catch (err) {
    const text = await toProblem(err, requestId).text();
    return { content: [{ type: "text", text }], isError: true };
  }
}

/** The tool that proposes an action: createActionRequest counts its call, as on POST. */
const PROPOSE = "propose_action";

/**
 * An MCP message that calls propose_action: the route leaves counting it to the tool's
 * createActionRequest (counting both took two of the agent's calls per minute for one).
 */
export function isProposeCall(body: unknown): boolean {
  if (!body || typeof body !== "object" || Array.isArray(body)) return false;
  const m = body as { method?: unknown; params?: { name?: unknown } | null };
  return m.method === "tools/call" && m.params?.name === PROPOSE;
}

/** The MCP tools map 1:1 to the HTTP API, under the same API key, with the same answers. */
function buildServer(agent: TAuthenticatedAgent, requestId: string) {
  const server = new McpServer({ name: "tollgate", version: "1.0.0" });
  server.registerTool(
    PROPOSE,
    {
      title: "Propose an action",
      description:
        "Propose a change to a record in the system of record (POST /action-requests). Tollgate decides: observed, auto_approved, pending_approval, draft or refused with a problem code.",
      inputSchema: ZActionRequestInput.shape,
    },
    (args) =>
      run(async () => {
        // the SDK checked the shape; the contract's own checks run here, as on POST
        const input = ZActionRequestInput.parse(args);
        return (await createActionRequest(agent, input, requestId)).actionRequest;
      }, requestId),
  );
  server.registerTool(
    "get_action_request",
    {
      title: "Get an action request",
      description:
        "Status, decision and execution of one of this agent's action requests; waitSeconds (≤ 30) waits for a change.",
      inputSchema: {
        id: z.string().min(1).max(60),
        waitSeconds: z.number().int().min(0).max(30).optional(),
      },
    },
    ({ id, waitSeconds }) => run(() => getActionRequest(agent, id, waitSeconds ?? 0), requestId),
  );
  server.registerTool(
    "describe_me",
    {
      title: "What may this agent do?",
      description:
        "Identity, phase, grants, action types with their approval modes, rate-limit headroom, kill switches that apply.",
      inputSchema: {},
    },
    () => run(() => describeAgent(agent), requestId),
  );
  return server;
}

/** Streamable HTTP, stateless: a server and transport per request, JSON responses. */
export async function handleMcp(
  agent: TAuthenticatedAgent,
  req: Request,
  parsedBody: unknown,
  requestId: string,
) {
  const server = buildServer(agent, requestId);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(req, { parsedBody });
  } finally {
    void server.close();
  }
}
