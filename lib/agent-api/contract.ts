import { z } from "zod";
import { AGENT_ERROR_CODES } from "@/lib/core/errors";

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

// the response body is the action request's public view, kept beside its state machine so the
// agent callback (queued by a transition) renders it without an import back up to agent-api
export {
  ZActionRequestResponse,
  type TActionRequestResponse,
} from "@/lib/action-requests/response";

export const ZProblem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.enum(AGENT_ERROR_CODES).describe("stable; the status for each code is fixed"),
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

export { MAX_BODY_BYTES } from "./limits";
