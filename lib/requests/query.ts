import { z } from "zod";
import { STATUSES } from "@/lib/action-requests/transitions";

/** Every status an action request can be in, in the order the filter lists them (the lifecycle's). */
export const REQUEST_STATUSES = STATUSES;
export type TRequestStatus = (typeof REQUEST_STATUSES)[number];

const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .transform((s) => s.trim())
    .optional()
    .transform((s) => s || undefined);

const optionalTime = z
  .string()
  .max(40)
  .optional()
  .transform((s, ctx) => {
    if (!s) return undefined;
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: "custom", message: "Not a date and time" });
      return z.NEVER;
    }
    return d;
  });

/**
 * The Requests page's filters, as they stand in the URL (`?status=failed,denied&agent=…`), so a
 * link reproduces the view. Several statuses are one comma-separated value: the console's route
 * wrapper reads one value per name. A record id of 15 or 18 characters matches either spelling
 * (Salesforce's 18-character id is the 15-character one plus a checksum).
 */
export const ZRequestQuery = z
  .object({
    agent: optionalText(200),
    workflowVersion: optionalText(200),
    actionType: optionalText(200),
    status: z
      .string()
      .max(400)
      .optional()
      .transform((s) => (s ? [...new Set(s.split(",").filter(Boolean))] : []))
      .pipe(z.array(z.enum(REQUEST_STATUSES))),
    environment: optionalText(100),
    /** requests that change this Salesforce field (e.g. StageName: the canary's stage changes) */
    field: z
      .string()
      .trim()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, "A Salesforce field's API name")
      .optional()
      .or(z.literal("").transform(() => undefined)),
    /** who asked: an agent (its own requests) or a person (reverts); all when unset */
    origin: z
      .string()
      .optional()
      .transform((s) => s || undefined)
      .pipe(z.enum(["agent", "person"]).optional()),
    record: z
      .string()
      .trim()
      .regex(
        /^([a-zA-Z0-9]{15}|[a-zA-Z0-9]{18})$/,
        "A Salesforce id has 15 or 18 letters and digits",
      )
      .optional()
      .or(z.literal("").transform(() => undefined)),
    q: optionalText(200),
    from: optionalTime,
    to: optionalTime,
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strip();
export type TRequestQueryInput = z.input<typeof ZRequestQuery>;
export type TRequestQuery = z.output<typeof ZRequestQuery>;

/** The filter names a link carries (paging aside). */
export const REQUEST_FILTERS = [
  "agent",
  "workflowVersion",
  "actionType",
  "status",
  "environment",
  "field",
  "origin",
  "record",
  "q",
  "from",
  "to",
] as const;
export type TRequestFilterName = (typeof REQUEST_FILTERS)[number];
export type TRequestFilters = Partial<Record<TRequestFilterName, string>>;

/** The filters of a parsed query, back as URL values (the first page's link, the export's). */
export function filtersOf(q: TRequestQuery): TRequestFilters {
  const f: TRequestFilters = {
    agent: q.agent,
    workflowVersion: q.workflowVersion,
    actionType: q.actionType,
    status: q.status.length ? q.status.join(",") : undefined,
    environment: q.environment,
    field: q.field,
    origin: q.origin,
    record: q.record,
    q: q.q,
    from: q.from?.toISOString(),
    to: q.to?.toISOString(),
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v)) as TRequestFilters;
}
