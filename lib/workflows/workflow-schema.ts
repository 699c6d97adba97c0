/**
 * What a person may submit about a workflow version, as the zod schemas the console's forms and
 * the routes both parse with. Pure (no server code): the change-window editor runs them as you
 * type. Checks that need the database (the action types exist) run in the service.
 */
import { z } from "zod";

/** The canary's steps: a new version starts at the first, each promotion takes the next. */
export const CANARY_STEPS = [5, 25, 100] as const;
export const nextCanaryStep = (percent: number): number | null =>
  CANARY_STEPS.find((s) => s > percent) ?? null;

export const DAY_LABELS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

/** True when the runtime knows `tz` as an IANA zone (or UTC). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const DAY_RANGE = "Days are 0 (Sunday) to 6 (Saturday)";
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/**
 * One change window: the days (0 = Sunday … 6 = Saturday), a start and an end on the zone's wall
 * clock. The engine also reads windows that span midnight (end ≤ start), but the console asks for
 * end after start: a night window is two windows, so what you see is what you get.
 */
export const ZChangeWindow = z
  .strictObject({
    days: z
      .array(z.number().int().min(0, DAY_RANGE).max(6, DAY_RANGE))
      .min(1, "Pick at least one day")
      .max(7)
      .transform((d) => [...new Set(d)].sort((a, b) => a - b)),
    start: z.string().regex(HHMM, "Start is a time of day, HH:MM (e.g. 09:00)"),
    end: z.string().regex(HHMM, "End is a time of day, HH:MM (e.g. 17:00, or 24:00)"),
    tz: z
      .string()
      .trim()
      .min(1, "Name the time zone (e.g. Europe/Paris, or UTC)")
      .max(64)
      .superRefine((tz, ctx) => {
        if (!isTimeZone(tz))
          ctx.addIssue({
            code: "custom",
            message: `"${tz}" is not a time zone this server knows (use an IANA name such as Europe/Paris)`,
          });
      }),
  })
  .superRefine((w, ctx) => {
    if (w.start === "24:00")
      ctx.addIssue({ code: "custom", path: ["start"], message: "Start must be before 24:00" });
    else if (HHMM.test(w.start) && HHMM.test(w.end) && minutesOf(w.end) <= minutesOf(w.start))
      ctx.addIssue({
        code: "custom",
        path: ["end"],
        message: `End (${w.end}) must be after start (${w.start}); split a night window in two`,
      });
  });
export type TChangeWindowInput = z.input<typeof ZChangeWindow>;
export type TChangeWindowValue = z.output<typeof ZChangeWindow>;

/** Empty = agents may act at any time. */
export const ZChangeWindows = z.array(ZChangeWindow).max(20);

const ZReason = z.string().trim().max(2000);
const ZNotes = z.string().trim().max(2000);
const ZActionTypes = z
  .array(z.string().trim().min(1).max(100))
  .min(1, "A workflow version needs at least one action type")
  .max(50)
  .transform((a) => [...new Set(a)].sort());

/**
 * A new draft: a copy of `basedOn` (default: the newest version) with whatever is given here
 * changed. Saving windows on a published version is this (published versions never change).
 */
export const ZCreateVersionInput = z.strictObject({
  basedOn: z.string().min(1).max(100).optional(),
  actionTypes: ZActionTypes.optional(),
  changeWindows: ZChangeWindows.optional(),
  notes: ZNotes.optional(),
  /** asked for when the copy lets agents do more than the version it copies */
  reason: ZReason.optional(),
});
export type TCreateVersionInput = z.input<typeof ZCreateVersionInput>;

/** An edit of a draft: the fields given replace the draft's. */
export const ZEditDraftInput = z.strictObject({
  actionTypes: ZActionTypes.optional(),
  changeWindows: ZChangeWindows.optional(),
  notes: ZNotes.optional(),
  reason: ZReason.optional(),
});
export type TEditDraftInput = z.input<typeof ZEditDraftInput>;

const ZRequiredReason = z.string().trim().min(3, "Say why (at least 3 characters)").max(2000);

/** Publish a draft as a canary at 5%: agents start using it, so a reason is always asked. */
export const ZPublishCanaryInput = z.strictObject({ reason: ZRequiredReason });

/**
 * Promote the canary one step. `from` is the share the person saw: if someone promoted or rolled
 * back meanwhile, the promotion is refused rather than skipping a step.
 */
export const ZPromoteInput = z.strictObject({
  from: z.number().int().min(1).max(99),
  reason: ZRequiredReason,
});

/** Roll the canary back: it is retired, the baseline takes all of its accounts again. */
export const ZRollbackInput = z.strictObject({ reason: ZRequiredReason });

/** Drop a draft unpublished. */
export const ZDiscardDraftInput = z.strictObject({ reason: ZReason.optional() });
