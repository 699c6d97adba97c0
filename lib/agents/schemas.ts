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
  .string("Say why (at least 3 characters)")
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

// ───────────────────────── agent lifecycle ─────────────────────────

export const AGENT_LIMITS = { callsPerMinute: 10_000, writesPerHour: 100_000 } as const;

const ZLimit = (max: number, what: string) =>
  z
    .number(`${what}: a number`)
    .int(`${what}: a whole number`)
    .min(1, `${what}: at least 1`)
    .max(max, `${what}: at most ${max.toLocaleString("en-US")}`);

/** What a person sets on an agent: its name, what it is for, who owns it and its rate limits. */
const agentFields = {
  name: z.string().trim().min(2, "At least 2 characters").max(100, "At most 100 characters"),
  description: z
    .string()
    .trim()
    .max(1000, "At most 1,000 characters")
    .nullish()
    .transform((v) => v || null),
  ownerId: z.string().trim().min(1, "Choose an owner").max(64),
  callsPerMinute: ZLimit(AGENT_LIMITS.callsPerMinute, "Calls per minute"),
  writesPerHour: ZLimit(AGENT_LIMITS.writesPerHour, "Writes per hour"),
};

/** An optional reason; the server asks for one when a change widens what the agent may do. */
const ZOptionalReason = z
  .string()
  .trim()
  .max(2000, "At most 2,000 characters")
  .nullish()
  .transform((v) => v || null);

/**
 * A new agent: in one environment, under a slug unique there, starting in the observe phase
 * with no permission set (it can write nothing until it is given scope).
 */
export const ZCreateAgentInput = z
  .object({
    environment: z.string().trim().min(1, "Choose an environment").max(40),
    slug: z
      .string()
      .trim()
      .regex(
        /^[a-z][a-z0-9-]{1,58}[a-z0-9]$/,
        "3–60 lowercase letters, digits and dashes, starting with a letter",
      )
      // field ownership's writer id for people (lib/field-ownership): an agent under it would
      // write wherever people may
      .refine((s) => s !== "humans", '"humans" is kept for people in field ownership'),
    ...agentFields,
  })
  .strict();
export type TCreateAgentInput = z.input<typeof ZCreateAgentInput>;

/**
 * An edit: every field as the form shows it, the `updatedAt` the form was opened with (an edit
 * made by someone else meanwhile is refused, not overwritten), and a reason — required when a
 * limit goes up.
 */
export const ZUpdateAgentInput = z
  .object({
    ...agentFields,
    expectedUpdatedAt: z.iso.datetime({ message: "The version the form was opened with" }),
    reason: ZOptionalReason,
  })
  .strict();
export type TUpdateAgentInput = z.input<typeof ZUpdateAgentInput>;

export const AGENT_STATUS_ACTIONS = ["suspend", "resume", "retire"] as const;
export type TAgentStatusAction = (typeof AGENT_STATUS_ACTIONS)[number];

/** Suspend, resume or retire (final), always with a reason. */
export const ZAgentStatusInput = z
  .object({ action: z.enum(AGENT_STATUS_ACTIONS), reason: ZReason })
  .strict();
export type TAgentStatusInput = z.input<typeof ZAgentStatusInput>;

// ───────────────────────── permission reviews ─────────────────────────

export const REVIEW_OUTCOMES = ["approved", "revoked"] as const;

/**
 * A periodic review of one permission set: keep it (the next review is due in `nextDueInDays`)
 * or revoke every grant in it. Notes say why; a revocation narrows, so it needs no more.
 */
export const ZPermissionReviewInput = z
  .object({
    outcome: z.enum(REVIEW_OUTCOMES, "Keep or revoke"),
    notes: ZReason,
    nextDueInDays: z
      .number("A number of days")
      .int("Whole days")
      .min(1, "At least 1 day")
      .max(365, "At most 365 days"),
  })
  .strict();
export type TPermissionReviewInput = z.input<typeof ZPermissionReviewInput>;

// ───────────────────────── grants and permission sets ─────────────────────────

/** A new standing grant in one of the agent's permission sets: it widens, so always a reason. */
export const ZAddGrantInput = z
  .object({
    permissionSetId: z.string().trim().min(1, "Choose a permission set").max(64),
    scope: ZGrantScope,
    reason: ZReason,
  })
  .strict();
export type TAddGrantInput = z.input<typeof ZAddGrantInput>;

/**
 * An edit of a grant: the old one is revoked and a new one made (history stays). A reason is
 * required when the new scope is wider (the server decides: `grantWidens`).
 */
export const ZReplaceGrantInput = z
  .object({ scope: ZGrantScope, reason: ZOptionalReason })
  .strict();
export type TReplaceGrantInput = z.input<typeof ZReplaceGrantInput>;

/** Revoke a grant, or end an elevation before its time: always with a reason, for the audit. */
export const ZRevokeGrantInput = z.object({ reason: ZReason }).strict();
export type TRevokeGrantInput = z.input<typeof ZRevokeGrantInput>;

/** A new, empty permission set in the agent's environment, attached to the agent. */
export const ZCreatePermissionSetInput = z
  .object({
    slug: z
      .string()
      .trim()
      .regex(
        /^[a-z][a-z0-9-]{1,58}[a-z0-9]$/,
        "3–60 lowercase letters, digits and dashes, starting with a letter",
      )
      .refine((s) => !s.startsWith("elevation-"), "elevation- is kept for elevation sets"),
    name: z.string().trim().min(2, "At least 2 characters").max(100, "At most 100 characters"),
    domain: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9-]{1,39}$/, "A workflow domain, e.g. lead-routing"),
    description: ZOptionalReason,
  })
  .strict();
export type TCreatePermissionSetInput = z.input<typeof ZCreatePermissionSetInput>;

/** Attach an existing permission set of the environment to the agent: it widens, a reason. */
export const ZAttachPermissionSetInput = z.object({ reason: ZReason }).strict();
export type TAttachPermissionSetInput = z.input<typeof ZAttachPermissionSetInput>;

/** Detach a set from the agent (its grants stay for the set's other agents). */
export const ZDetachPermissionSetInput = z.object({ reason: ZReason }).strict();
export type TDetachPermissionSetInput = z.input<typeof ZDetachPermissionSetInput>;

type TScopeLike = {
  object: string;
  operations: readonly string[];
  fields: readonly string[];
  recordCondition: string | null;
};

/**
 * Whether `after` lets the agent do anything `before` did not: another object, an operation or
 * a field more, or a record condition removed or changed (a changed condition cannot be proved
 * narrower, so it counts as wider); adding a condition narrows.
 */
export function grantWidens(before: TScopeLike, after: TScopeLike): boolean {
  if (after.object !== before.object) return true;
  if (after.operations.some((o) => !before.operations.includes(o))) return true;
  if (after.fields.some((f) => !before.fields.includes(f))) return true;
  if (before.recordCondition && after.recordCondition !== before.recordCondition) return true;
  return false;
}
