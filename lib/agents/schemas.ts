import { z } from "zod";
import { validateCondition } from "@/lib/policy/condition";

/**
 * The zod schemas of the console's agent changes, shared by the forms (client) and the routes
 * (server): a form refuses what the route would refuse, with the same words.
 */

export const GRANT_OPERATIONS = ["create", "update", "delete", "convert"] as const;
export type TGrantOperation = (typeof GRANT_OPERATIONS)[number];

/** A time-bounded elevation lasts at least an hour and at most 30 days. */
export const ELEVATION_MAX_HOURS = 720;

// a Salesforce API name: Opportunity, Account, Invoice__c, ns__Thing__c
const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

const ZReason = z
  .string()
  .trim()
  .min(3, "Say why (at least 3 characters)")
  .max(2000, "At most 2,000 characters");

/**
 * What a grant covers: one object, its operations, the fields it may write and an optional
 * record condition (the condition language of lib/policy; a syntax error names its column).
 */
export const ZGrantScope = z
  .object({
    object: z
      .string()
      .trim()
      .regex(API_NAME, "An object's API name, e.g. Opportunity or Invoice__c"),
    operations: z
      .array(z.enum(GRANT_OPERATIONS, "One of create, update, delete, convert"))
      .min(1, "Choose at least one operation")
      .max(GRANT_OPERATIONS.length)
      .refine((ops) => new Set(ops).size === ops.length, "Each operation once"),
    fields: z
      .array(z.string().trim().regex(API_NAME, "A field's API name, e.g. StageName"))
      .max(200, "At most 200 fields")
      .refine((f) => new Set(f).size === f.length, "Each field once"),
    recordCondition: z
      .string()
      .trim()
      .max(4000)
      .nullish()
      .transform((v) => v || null),
  })
  .strict()
  .superRefine((g, ctx) => {
    const writes = g.operations.some((o) => o === "create" || o === "update");
    if (writes && g.fields.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["fields"],
        message: "Name the fields it may write (create and update write fields)",
      });
    }
    if (g.recordCondition) {
      const err = validateCondition(g.recordCondition);
      if (err) ctx.addIssue({ code: "custom", path: ["recordCondition"], message: err.message });
    }
  });
export type TGrantScope = z.output<typeof ZGrantScope>;

/** An admin lets an agent do more for `hours` hours, and says why. */
export const ZElevateAgentInput = z
  .object({
    scope: ZGrantScope,
    hours: z
      .number("A number of hours")
      .int("Whole hours")
      .min(1, "At least 1 hour")
      .max(ELEVATION_MAX_HOURS, `At most ${ELEVATION_MAX_HOURS} hours (30 days)`),
    reason: ZReason,
  })
  .strict();
export type TElevateAgentInput = z.input<typeof ZElevateAgentInput>;

/** Split a comma- or space-separated list as typed in a form. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
