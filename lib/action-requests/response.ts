import { publicErrorMessage } from "@/lib/connectors/salesforce";
import { z } from "zod";
import { STATUSES } from "./transitions";

const ZDecision = z.object({
  mode: z.enum(["auto", "human_in_the_loop", "human_only"]).nullable(),
  approverRole: z.string().nullable(),
  requiredApprovals: z.number().int(),
  rule: z.string(),
  reasons: z.array(z.string()),
});

// every status of the state machine except the internal "received"
const ZActionRequestStatus = z.enum(STATUSES).exclude(["received"]);

/** The body an agent reads for an action request: GET, the create answer, a replay, a callback. */
export const ZActionRequestResponse = z.object({
  id: z.string().describe("ar_…"),
  status: ZActionRequestStatus,
  decision: ZDecision,
  workflow: z.object({ key: z.string(), version: z.number().int() }).nullable(),
  before: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe("Current values of the changed fields, read from the system of record"),
  links: z.object({ self: z.string() }),
  execution: z
    .object({
      attempts: z.number().int(),
      lastError: z
        .object({ class: z.string(), code: z.string().nullable(), message: z.string().nullable() })
        .optional(),
      result: z.object({ recordId: z.string().nullable(), after: z.unknown() }).optional(),
    })
    .optional(),
});
export type TActionRequestResponse = z.infer<typeof ZActionRequestResponse>;

export type TRenderableRequest = {
  id: string;
  status: string;
  decisionOutcome: string | null;
  decisionMode: "auto" | "human_in_the_loop" | "human_only" | null;
  approverRole: string | null;
  requiredApprovals: number;
  decisionRule: string | null;
  decisionReasons: string[];
  before: unknown;
  attempts: number;
  lastErrorClass: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  resultRecordId: string | null;
  after: unknown;
  workflowVersion: { version: number; workflow: { key: string } } | null;
};

const selfLink = (id: string) => `/api/agent/v1/action-requests/${id}`;

/**
 * The API.md body of an action request. `atCreation` renders the status the request got when
 * it was created (what an idempotent replay must return), otherwise the current status with
 * the execution block.
 */
export function renderActionRequest(
  r: TRenderableRequest,
  atCreation: boolean,
): TActionRequestResponse {
  const body: TActionRequestResponse = {
    id: r.id,
    status: (atCreation
      ? (r.decisionOutcome ?? r.status)
      : r.status) as TActionRequestResponse["status"],
    decision: {
      mode: r.decisionMode,
      approverRole: r.approverRole,
      requiredApprovals: r.requiredApprovals,
      rule: r.decisionRule ?? "",
      reasons: r.decisionReasons,
    },
    workflow: r.workflowVersion
      ? { key: r.workflowVersion.workflow.key, version: r.workflowVersion.version }
      : null,
    before: (r.before as Record<string, unknown> | null) ?? null,
    links: { self: selfLink(r.id) },
  };
  if (!atCreation) {
    body.execution = { attempts: r.attempts };
    if (r.lastErrorClass)
      body.execution.lastError = {
        class: r.lastErrorClass,
        code: r.lastErrorCode,
        message: publicErrorMessage(r.lastErrorClass, r.lastErrorMessage),
      };
    if (r.status === "succeeded" || r.status === "reverted")
      body.execution.result = { recordId: r.resultRecordId, after: agentAfter(r.after) };
  }
  return body;
}

export const renderSelect = {
  id: true,
  status: true,
  decisionOutcome: true,
  decisionMode: true,
  approverRole: true,
  requiredApprovals: true,
  decisionRule: true,
  decisionReasons: true,
  before: true,
  attempts: true,
  lastErrorClass: true,
  lastErrorCode: true,
  lastErrorMessage: true,
  resultRecordId: true,
  after: true,
  workflowVersion: { select: { version: true, workflow: { select: { key: true } } } },
} as const;

/**
 * The values read back after the write, as the agent asked for them: a create's record version
 * (`LastModifiedDate`, kept for a revert by delete) is Tollgate's own bookkeeping.
 */
function agentAfter(after: unknown) {
  if (!after || typeof after !== "object" || Array.isArray(after)) return after ?? null;
  const { LastModifiedDate: _version, ...rest } = after as Record<string, unknown>;
  return rest;
}
