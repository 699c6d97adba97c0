import { z } from "zod";

/** One schema per form and route of the approver groups page (/settings/groups). */

const ZReason = z.string().trim().max(500, "at most 500 characters").optional();
const ZExpected = z.iso.datetime("the form's copy of the group is missing its time");

/** 30 days, as a matrix rule's SLA (lib/matrix/rule-schema.ts). */
export const MAX_GROUP_SLA_MINUTES = 43_200;

export const ZCreateGroupInput = z.strictObject({
  key: z
    .string()
    .trim()
    .regex(
      /^[a-z][a-z0-9_]{1,39}$/,
      "2–40 lower-case letters, digits or _, starting with a letter",
    ),
  name: z.string().trim().min(1, "Give a name").max(120),
  description: z.string().trim().max(500).optional(),
  reason: ZReason,
});
export type TCreateGroupInput = z.infer<typeof ZCreateGroupInput>;

export const ZGroupMemberInput = z.strictObject({
  userId: z.string().min(1).max(64),
  change: z.enum(["add", "remove"]),
  reason: ZReason,
});
export type TGroupMemberInput = z.infer<typeof ZGroupMemberInput>;

/** The group's default SLA: used for a request waiting for it when its matrix rule has none. */
export const ZGroupSlaInput = z.strictObject({
  slaMinutes: z
    .int("a whole number of minutes")
    .min(1, "at least 1 minute")
    .max(MAX_GROUP_SLA_MINUTES, "at most 30 days")
    .nullable(),
  expectedUpdatedAt: ZExpected,
  reason: ZReason,
});
export type TGroupSlaInput = z.infer<typeof ZGroupSlaInput>;

function knownZone(tz: string) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The on-call rotation: members in order, handed over weekly at a weekday (0 = Sunday) and
 * HH:MM on a zone's wall clock. An empty list turns the rotation off.
 */
export const ZGroupRotationInput = z.strictObject({
  rotation: z
    .array(z.string().min(1).max(64))
    .max(50, "at most 50 people")
    .refine((r) => new Set(r).size === r.length, { error: "lists a person twice" }),
  handoffWeekday: z.int().min(0, "a day of the week").max(6, "a day of the week"),
  handoffTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time as HH:MM (24-hour)"),
  handoffZone: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine(knownZone, { error: "an IANA time zone, e.g. Europe/Berlin" }),
  expectedUpdatedAt: ZExpected,
  reason: ZReason,
});
export type TGroupRotationInput = z.infer<typeof ZGroupRotationInput>;

/**
 * The escalation webhook: an https URL (checked against private and metadata addresses by the
 * server, as the CLI's `group-webhook set`), or null to turn it off. The signing secret is
 * made by the server and shown once.
 */
export const ZGroupWebhookInput = z.strictObject({
  url: z.string().trim().max(2000).url("Give a full https:// URL").nullable(),
  expectedUpdatedAt: ZExpected,
  reason: ZReason,
});
export type TGroupWebhookInput = z.infer<typeof ZGroupWebhookInput>;

export const WEEKDAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];
