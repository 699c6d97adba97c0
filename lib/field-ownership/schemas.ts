import { z } from "zod";

/**
 * The zod schemas of the console's field-ownership changes, shared by the form (client) and the
 * routes (server): the form refuses what the route would refuse, with the same words.
 */

export const CONFLICT_RULES = [
  "system_of_record_wins",
  "last_write_wins",
  "manual_review",
  "agent_yields_to_humans",
] as const;
export type TConflictRuleName = (typeof CONFLICT_RULES)[number];

export const CONFLICT_RULE_LABELS: Record<TConflictRuleName, string> = {
  system_of_record_wins: "System of record wins",
  last_write_wins: "Last write wins",
  manual_review: "Manual review",
  agent_yields_to_humans: "Agent yields to humans",
};

/** The writer id people write as (reverts, edits in Salesforce). */
export const HUMANS = "humans";

// a Salesforce API name: Opportunity, Account, Invoice__c, ns__Thing__c
const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
// a writer: "humans", an agent's slug, an integration such as billing-sync
const WRITER = /^[a-z][a-z0-9_-]{0,59}$/;
// a system of record: salesforce, billing, data_cloud, marketing_automation
const SYSTEM = /^[a-z][a-z0-9_-]{0,39}$/;

const ZOptionalInt = (what: string, max: number) =>
  z
    .number(`${what}: a number`)
    .int(`${what}: a whole number`)
    .min(1, `${what}: at least 1`)
    .max(max, `${what}: at most ${max}`)
    .nullish()
    .transform((v) => v ?? null);

const ZOptionalReason = z
  .string()
  .trim()
  .max(2000, "At most 2,000 characters")
  .nullish()
  .transform((v) => v || null);

/** What a person sets on one field's ownership row (the object and field name it). */
const ruleFields = {
  systemOfRecord: z
    .string()
    .trim()
    .regex(SYSTEM, "A system's id in lowercase, e.g. salesforce, billing or data_cloud"),
  allowedWriters: z
    .array(
      z
        .string()
        .trim()
        .regex(WRITER, "A writer: humans, an agent's slug or an integration such as billing-sync"),
    )
    .max(100, "At most 100 writers")
    .refine((w) => new Set(w).size === w.length, "Each writer once"),
  conflictRule: z.enum(CONFLICT_RULES, "Choose a conflict rule"),
  yieldHours: ZOptionalInt("Yield hours", 24 * 30),
  freshnessSlaMinutes: ZOptionalInt("Freshness SLA", 60 * 24 * 30),
  ownerUserId: z
    .string()
    .trim()
    .max(64)
    .nullish()
    .transform((v) => v || null),
  reason: ZOptionalReason,
};

type TRuleShape = { conflictRule: TConflictRuleName; yieldHours: number | null };
function yieldHoursFit(r: TRuleShape, ctx: z.RefinementCtx) {
  if (r.conflictRule === "agent_yields_to_humans" && r.yieldHours === null) {
    ctx.addIssue({
      code: "custom",
      path: ["yieldHours"],
      message: "Say for how many hours an agent yields to a person's edit",
    });
  }
  if (r.conflictRule !== "agent_yields_to_humans" && r.yieldHours !== null) {
    ctx.addIssue({
      code: "custom",
      path: ["yieldHours"],
      message: "Yield hours apply only to the rule “Agent yields to humans”",
    });
  }
}

/** A new ownership row for one object's field. */
export const ZCreateFieldOwnershipInput = z
  .object({
    object: z
      .string()
      .trim()
      .regex(API_NAME, "An object's API name, e.g. Opportunity or Invoice__c"),
    field: z.string().trim().regex(API_NAME, "A field's API name, e.g. StageName"),
    ...ruleFields,
  })
  .strict()
  .superRefine(yieldHoursFit);
export type TCreateFieldOwnershipInput = z.input<typeof ZCreateFieldOwnershipInput>;

/**
 * An edit of one row: every setting as the form shows it, and the `updatedAt` the form was
 * opened with — an edit made by someone else meanwhile is refused (409), not overwritten.
 */
export const ZUpdateFieldOwnershipInput = z
  .object({
    ...ruleFields,
    expectedUpdatedAt: z.iso.datetime({ message: "The version the form was opened with" }),
  })
  .strict()
  .superRefine(yieldHoursFit);
export type TUpdateFieldOwnershipInput = z.input<typeof ZUpdateFieldOwnershipInput>;

/** Removing a row lets any granted agent write the field: always with a reason. */
export const ZDeleteFieldOwnershipInput = z
  .object({
    expectedUpdatedAt: z.iso.datetime({ message: "The version the form was opened with" }),
    reason: z
      .string()
      .trim()
      .min(3, "Say why (at least 3 characters)")
      .max(2000, "At most 2,000 characters"),
  })
  .strict();
export type TDeleteFieldOwnershipInput = z.input<typeof ZDeleteFieldOwnershipInput>;

type TRule = {
  systemOfRecord: string;
  allowedWriters: readonly string[];
  conflictRule: TConflictRuleName;
  yieldHours: number | null;
  freshnessSlaMinutes: number | null;
};

/**
 * What a field without a row does (lib/execution/field-rules.ts): any granted agent may write it,
 * and a value changed since the approval goes back to a person (manual review).
 */
const NO_ROW = {
  systemOfRecord: "salesforce",
  conflictRule: "manual_review",
  yieldHours: null,
  freshnessSlaMinutes: null,
} as const;

/**
 * How a change lets agents write more, in words (empty: it does not): an agent added to the
 * allowed writers, a conflict rule under which an agent's write replaces a newer value, an agent
 * made the field's system of record (its writes then win over newer values), a shorter yield, a
 * longer (or no) freshness SLA. A new row is compared with what the field did without one (a
 * row restricts the writers, so none is "added"). `isAgent` tells agents from integrations.
 */
export function widenings(
  before: TRule | null,
  after: TRule | null,
  isAgent: (writer: string) => boolean,
): string[] {
  if (!after) return ["removes the rule: any agent with a grant may write the field"];
  if (!before)
    return widenings({ ...NO_ROW, allowedWriters: after.allowedWriters }, after, isAgent);
  const out: string[] = [];
  if (
    after.conflictRule === "system_of_record_wins" &&
    isAgent(after.systemOfRecord) &&
    (before.conflictRule !== "system_of_record_wins" ||
      before.systemOfRecord !== after.systemOfRecord)
  )
    out.push(`${after.systemOfRecord}'s writes win over newer values (system of record)`);
  const added = after.allowedWriters.filter(
    (w) => !before.allowedWriters.includes(w) && isAgent(w),
  );
  if (added.length) out.push(`lets ${added.join(", ")} write it`);
  if (after.conflictRule !== before.conflictRule && after.conflictRule === "last_write_wins")
    out.push("an agent's write replaces a newer value (last write wins)");
  if (
    before.conflictRule === "agent_yields_to_humans" &&
    (after.conflictRule !== "agent_yields_to_humans" ||
      (after.yieldHours ?? 0) < (before.yieldHours ?? 0))
  )
    out.push("agents yield to people's edits for less time");
  if (
    before.freshnessSlaMinutes !== null &&
    (after.freshnessSlaMinutes === null || after.freshnessSlaMinutes > before.freshnessSlaMinutes)
  )
    out.push("older approvals may still write");
  return out;
}
