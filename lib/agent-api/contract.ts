import { z } from "zod";
import { STATUSES } from "@/lib/action-requests/transitions";

/**
 * The agent API's one contract (API.md): the handlers parse with these schemas and the
 * OpenAPI document is generated from them.
 */
const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, "a Salesforce field API name");
const fieldValue = z.union([z.string().max(32_000), z.number().finite(), z.boolean(), z.null()]);

export const ZActionRequestInput = z
  .object({
    idempotencyKey: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe(
        "Unique per agent; a retry with the same key and body returns the original response",
      ),
    workflow: z
      .object({
        key: z.string().min(1).max(100),
        version: z
          .number()
          .int()
          .positive()
          .optional()
          .describe("Omit to use the active version for this target's rollout bucket"),
      })
      .strict(),
    actionType: z.string().min(1).max(100).describe("e.g. opportunity.change_stage"),
    target: z
      .object({
        system: z.literal("salesforce"),
        object: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/),
        recordId: z
          .string()
          .regex(/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/, "a 15- or 18-character Salesforce id")
          .nullish(),
      })
      .strict(),
    changes: z
      .record(fieldName, fieldValue)
      .refine((c) => Object.keys(c).length > 0, "changes must name at least one field")
      .refine((c) => Object.keys(c).length <= 100, "at most 100 fields per request"),
    reason: z
      .object({
        code: z.string().trim().min(1).max(100),
        text: z.string().max(4000).optional(),
      })
      .strict()
      .optional(),
    evidence: z
      .array(
        z.object({ type: z.string().min(1).max(100), ref: z.string().min(1).max(2000) }).strict(),
      )
      .max(50)
      .optional(),
  })
  .strict();
export type TActionRequestInput = z.infer<typeof ZActionRequestInput>;

export const ZDecision = z.object({
  mode: z.enum(["auto", "human_in_the_loop", "human_only"]).nullable(),
  approverRole: z.string().nullable(),
  requiredApprovals: z.number().int(),
  rule: z.string(),
  reasons: z.array(z.string()),
});

// every status of the state machine except the internal "received"
export const ZActionRequestStatus = z.enum(STATUSES).exclude(["received"]);

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

export const ZProblem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z
    .string()
    .describe(
      "stable: invalid_body, invalid_api_key, agent_inactive, scope_denied, field_owned_elsewhere, record_not_found, idempotency_conflict, payload_too_large, reason_required, evidence_required, constraint_violated, kill_switch_engaged, rate_limited, …",
    ),
  detail: z.string(),
  requestId: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const ZGetQuery = z.object({
  waitSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .max(30)
    .optional()
    .describe("Hold the response until the status changes (≤ 30 s)"),
});

export const MAX_BODY_BYTES = 64 * 1024;
