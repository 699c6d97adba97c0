/**
 * What a person may type into a matrix rule, as one zod schema the draft editor's form and the
 * route both parse with. Pure (no server code): the form runs it as you type, condition errors
 * included, with their column in the text. Checks that need the database (the approver group
 * exists, a constraint's field belongs to the action type) run in the service.
 */
import { z } from "zod";
import { validateCondition } from "@/lib/policy/condition";
import { MAX_LENGTH } from "@/lib/policy/condition-parser";

export const APPROVAL_MODES = ["auto", "human_in_the_loop", "human_only"] as const;
export const MODE_LABELS: Record<(typeof APPROVAL_MODES)[number], string> = {
  auto: "Auto",
  human_in_the_loop: "Human-in-the-loop",
  human_only: "Human-only",
};
const ZMode = z.enum(APPROVAL_MODES);
const MAX_APPROVALS = 5;
// 30 days
const MAX_SLA_MINUTES = 43_200;

/** A condition's text: parsed here, so a malformed one is refused with its column. */
export const ZConditionText = z
  .string()
  .trim()
  .min(1, "Write the condition (e.g. Amount >= 100000)")
  .max(MAX_LENGTH)
  .superRefine((text, ctx) => {
    const err = validateCondition(text);
    if (err)
      ctx.addIssue({ code: "custom", message: err.message, params: { position: err.position } });
  });

export const ZMatrixCondition = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "Name the condition")
    .max(60)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "Letters, digits, - and _ only (e.g. large-deal)"),
  when: ZConditionText,
  mode: ZMode.optional(),
  approverRole: z.string().trim().min(1).max(60).optional(),
  requiredApprovals: z.int().min(1).max(MAX_APPROVALS).optional(),
});
export type TMatrixConditionInput = z.infer<typeof ZMatrixCondition>;

export const ZFieldConstraint = z
  .strictObject({
    field: z.string().trim().min(1, "Name the field").max(80),
    allowedValues: z.array(z.string().max(200)).min(1).max(100).optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    maxRelativeChange: z.number().positive().max(100).optional(),
  })
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, {
    message: "min must not be above max",
    path: ["max"],
  });
export type TFieldConstraintInput = z.infer<typeof ZFieldConstraint>;

/** One rule's settings: everything of a matrix row except its action type. */
export const ZRuleSettings = z
  .strictObject({
    mode: ZMode,
    approverRole: z.string().trim().min(1).max(60).nullable(),
    // 0 on an auto rule (the seed's); a human mode needs at least 1
    requiredApprovals: z.int().min(0).max(MAX_APPROVALS),
    slaMinutes: z.int().min(1).max(MAX_SLA_MINUTES).nullable(),
    requireReason: z.boolean(),
    requireEvidence: z.boolean(),
    loggingRequired: z.string().trim().min(1, "Say what must be logged").max(200),
    reversible: z.boolean(),
    rollbackPlan: z.string().trim().min(1, "Say how it is undone").max(500),
    rollbackByDelete: z.boolean(),
    conditions: z.array(ZMatrixCondition).max(20),
    constraints: z.array(ZFieldConstraint).max(20),
  })
  .superRefine((r, ctx) => {
    if (r.mode !== "auto" && !r.approverRole)
      ctx.addIssue({
        code: "custom",
        path: ["approverRole"],
        message: "A human mode needs an approver group",
      });
    if (r.mode !== "auto" && r.requiredApprovals < 1)
      ctx.addIssue({
        code: "custom",
        path: ["requiredApprovals"],
        message: "A human mode needs at least 1 approval",
      });
    const names = new Set<string>();
    r.conditions.forEach((c, i) => {
      if (names.has(c.name))
        ctx.addIssue({ code: "custom", path: ["conditions", i, "name"], message: "Used twice" });
      names.add(c.name);
      if (c.mode === undefined && !c.approverRole && c.requiredApprovals === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["conditions", i, "mode"],
          message: "A condition must raise something: the mode, the approver or the approvals",
        });
    });
    const fields = new Set<string>();
    r.constraints.forEach((c, i) => {
      if (fields.has(c.field))
        ctx.addIssue({ code: "custom", path: ["constraints", i, "field"], message: "Used twice" });
      fields.add(c.field);
    });
  });
export type TRuleSettings = z.infer<typeof ZRuleSettings>;
export type TRuleSettingsInput = z.input<typeof ZRuleSettings>;

const ZReason = z.string().trim().min(3, "Say why (at least 3 characters)").max(2000);

export const ZCreateDraftInput = z.strictObject({ note: z.string().trim().max(500).optional() });
const ZExpectedActive = z.int().positive().nullable().optional();
export const ZPublishInput = z.strictObject({
  reason: ZReason,
  /** the active version the publisher's diff was against: a different one now → 409 */
  expectedActiveVersion: ZExpectedActive,
  /** the draft as the publisher read it (its updatedAt): edited since → 409 */
  draftUpdatedAt: z.iso.datetime().optional(),
});
export const ZRollbackInput = z.strictObject({
  reason: ZReason,
  expectedActiveVersion: ZExpectedActive,
});
export const ZDiscardInput = z.strictObject({ reason: ZReason.optional() });
export type TPublishInput = z.infer<typeof ZPublishInput>;
