import { z } from "zod";
import { AGENT_ERROR_STATUS, type TAgentErrorCode } from "@/lib/core/errors";
import { ZActionRequestInput, ZActionRequestResponse, ZProblem } from "./contract";

const schema = (s: z.ZodType) =>
  z.toJSONSchema(s, { target: "draft-2020-12", unrepresentable: "any" });

const NOTES: Partial<Record<TAgentErrorCode, string>> = {
  not_found: "also for another agent's request",
  rate_limited: "Retry-After header",
  outside_change_window: "Retry-After says when it opens",
  system_unavailable: "the system of record could not be read; nothing was recorded",
};

/** What every route's wrapper can answer: the API key, the agent's status, its call rate. */
const WRAPPER: TAgentErrorCode[] = [
  "invalid_api_key",
  "agent_inactive",
  "rate_limited",
  "internal_error",
];
const BODY: TAgentErrorCode[] = ["invalid_body", "payload_too_large"];

/** Which codes each operation can answer with; their statuses come from the one error map. */
const OPERATION_ERRORS: Record<string, TAgentErrorCode[]> = {
  createActionRequest: [
    ...WRAPPER,
    ...BODY,
    "scope_denied",
    "field_owned_elsewhere",
    "no_policy_rule",
    "workflow_mismatch",
    "record_not_found",
    "idempotency_conflict",
    "connection_not_configured",
    "reason_required",
    "evidence_required",
    "constraint_violated",
    "kill_switch_engaged",
    "outside_change_window",
    "system_unavailable",
  ],
  getActionRequest: [...WRAPPER, "invalid_body", "not_found"],
  describeAgent: WRAPPER,
  mcp: [...WRAPPER, ...BODY],
};

/** problem+json responses for `codes`, one per status, each naming the codes it can carry. */
function problems(codes: TAgentErrorCode[]) {
  const byStatus = new Map<number, TAgentErrorCode[]>();
  for (const code of codes) {
    const status = AGENT_ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: list.map((c) => (NOTES[c] ? `${c} (${NOTES[c]})` : c)).join(", "),
          content: {
            "application/problem+json": {
              schema: {
                allOf: [
                  { $ref: "#/components/schemas/Problem" },
                  { properties: { status: { const: status }, code: { enum: list } } },
                ],
              },
            },
          },
        },
      ]),
  );
}

const actionRequest = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/ActionRequest" } } },
});

/** OpenAPI 3.1 for the agent API, generated from the zod schemas the handlers parse with. */
export function openApiDocument(serverUrl = "/api/agent/v1") {
  return {
    openapi: "3.1.0",
    info: {
      title: "Tollgate agent API",
      version: "1.0.0",
      description:
        "Every agent write to a revenue system goes through Tollgate first. Errors are RFC 9457 problem+json with a stable `code`; each code always comes with the same status, listed per response.",
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "tg_<env>_<random>" },
      },
      schemas: {
        ActionRequestInput: schema(ZActionRequestInput),
        ActionRequest: schema(ZActionRequestResponse),
        Problem: schema(ZProblem),
      },
    },
    paths: {
      "/action-requests": {
        post: {
          operationId: "createActionRequest",
          summary: "Propose a change; Tollgate decides, records and (when allowed) executes it",
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: { $ref: "#/components/schemas/ActionRequestInput" } },
            },
          },
          responses: {
            "201": actionRequest("Created"),
            "200": actionRequest("Replayed: same idempotency key and body"),
            ...problems(OPERATION_ERRORS.createActionRequest),
          },
        },
      },
      "/action-requests/{id}": {
        get: {
          operationId: "getActionRequest",
          summary: "An action request of this agent, with its execution",
          parameters: [
            { name: "id", in: "path", required: true, schema: { type: "string" } },
            {
              name: "waitSeconds",
              in: "query",
              required: false,
              schema: { type: "integer", minimum: 0, maximum: 30 },
              description: "Hold the response until the status changes",
            },
          ],
          responses: {
            "200": actionRequest("OK"),
            ...problems(OPERATION_ERRORS.getActionRequest),
          },
        },
      },
      "/me": {
        get: {
          operationId: "describeAgent",
          summary:
            "This agent's identity, phase, grants, action types with their modes, rate-limit headroom",
          responses: {
            "200": {
              description: "OK",
              content: { "application/json": { schema: { type: "object" } } },
            },
            ...problems(OPERATION_ERRORS.describeAgent),
          },
        },
      },
      "/mcp": {
        post: {
          operationId: "mcp",
          summary:
            "Model Context Protocol (streamable HTTP) with the same tools: propose_action, get_action_request, describe_me",
          responses: {
            "200": { description: "JSON-RPC response" },
            ...problems(OPERATION_ERRORS.mcp),
          },
        },
      },
    },
  };
}
