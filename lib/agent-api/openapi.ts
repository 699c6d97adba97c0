import { z } from "zod";
import { ZActionRequestInput, ZActionRequestResponse, ZProblem } from "./contract";

const schema = (s: z.ZodType) =>
  z.toJSONSchema(s, { target: "draft-2020-12", unrepresentable: "any" });

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

/** OpenAPI 3.1 for the agent API, generated from the zod schemas the handlers parse with. */
export function openApiDocument(serverUrl = "/api/agent/v1") {
  return {
    openapi: "3.1.0",
    info: {
      title: "Tollgate agent API",
      version: "1.0.0",
      description:
        "Every agent write to a revenue system goes through Tollgate first. Errors are RFC 9457 problem+json with a stable `code`.",
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
            "201": {
              description: "Created",
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/ActionRequest" } },
              },
            },
            "200": {
              description: "Replayed: same idempotency key and body",
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/ActionRequest" } },
              },
            },
            "400": problem("invalid_body"),
            "401": problem("invalid_api_key"),
            "403": problem(
              "scope_denied, field_owned_elsewhere, agent_inactive, workflow_mismatch, no_policy_rule",
            ),
            "404": problem("record_not_found"),
            "409": problem("idempotency_conflict"),
            "413": problem("payload_too_large"),
            "422": problem("reason_required, evidence_required, constraint_violated"),
            "423": problem("kill_switch_engaged, outside_change_window"),
            "429": problem("rate_limited (Retry-After header)"),
            "503": problem(
              "system_unavailable: the system of record could not be read; nothing was recorded",
            ),
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
            "200": {
              description: "OK",
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/ActionRequest" } },
              },
            },
            "401": problem("invalid_api_key"),
            "404": problem("not_found (also for another agent's request)"),
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
            "401": problem("invalid_api_key"),
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
            "401": problem("invalid_api_key"),
          },
        },
      },
    },
  };
}
