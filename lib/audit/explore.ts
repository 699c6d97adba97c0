import "server-only";
import { z } from "zod";
import { db, Prisma } from "@/lib/db";
import { AppError } from "@/lib/core/errors";
import { normalizeId } from "@/lib/connectors/salesforce-sandbox/ids";
import { AUDIT_LANES, type TAuditLane } from "./events";

/**
 * The audit lanes explorer (/audit/events): one lane's events, newest first, filtered by actor,
 * subject, action, record and time, keyset-paged by id (never OFFSET: a page deep in a lane of
 * millions costs what the first does). Each row says whether its event is sealed into the chain
 * (its seq) or not yet (its age). The same filters drive the export (export-lane.ts).
 */

/** An action, or a prefix of one ending in "." (`action_request.`): letters, digits, _ and dots. */
const ACTION = /^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$/;
const RECORD_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

const FILTERS = {
  lane: z.enum(AUDIT_LANES),
  /** "system", a person's email or name, or an agent's slug */
  actor: z.string().trim().min(1).max(200).optional(),
  subjectType: z.string().trim().min(1).max(100).optional(),
  subjectId: z.string().trim().min(1).max(200).optional(),
  action: z
    .string()
    .trim()
    .max(200)
    .regex(ACTION, "an action (field.changed) or a prefix ending in a dot (action_request.)")
    .optional(),
  recordId: z.string().trim().regex(RECORD_ID, "a 15- or 18-character Salesforce id").optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
const fromBeforeTo = (q: { from?: string; to?: string }) =>
  !q.from || !q.to || new Date(q.from) < new Date(q.to);
const FROM_BEFORE_TO = { message: "from must be before to", path: ["to"] };

export const ZAuditFilters = z.object(FILTERS).strict().refine(fromBeforeTo, FROM_BEFORE_TO);
export type TAuditFilters = z.infer<typeof ZAuditFilters>;

export const ZAuditEventQuery = z
  .object({
    ...FILTERS,
    /** the id of the last event of the previous page */
    cursor: z
      .string()
      .regex(/^\d{1,19}$/, "an event id")
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict()
  .refine(fromBeforeTo, FROM_BEFORE_TO);
export type TAuditEventQuery = z.input<typeof ZAuditEventQuery>;

/** Parse a query (a URL's parameters, or an object); bad input is a 400 `invalid_query`. */
export function parseAuditQuery<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new AppError("invalid_query", "The audit query is not valid", {
    errors: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  });
}

export type TSealStatus =
  | { sealed: true; seq: number; sealedAt: Date; hash: string }
  | { sealed: false; ageSeconds: number };

export type TAuditEventRow = {
  id: string;
  lane: TAuditLane;
  createdAt: Date;
  actor: { type: string; name: string | null; detail: string | null };
  action: string;
  subjectType: string;
  subjectId: string;
  object: string | null;
  recordId: string | null;
  field: string | null;
  reasonText: string | null;
  seal: TSealStatus;
};

/** The forms an id may be stored in: as given, its 18-character form, its 15-character one. */
function recordIdForms(id: string): string[] {
  const canonical = normalizeId(id);
  return [...new Set([id, ...(canonical ? [canonical, canonical.slice(0, 15)] : [])])];
}

/** `action_request.` → the exclusive upper bound of that prefix ("action_request/"). */
const prefixEnd = (p: string) =>
  p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);

/**
 * The actor filter's ids: "system", or the people whose email or name is the text (any case),
 * and the agents whose slug it is. Nothing matching is an empty list, not an error: no events.
 */
async function resolveActor(actor: string) {
  if (actor.toLowerCase() === "system") return { system: true, users: [], agents: [] };
  const [users, agents] = await Promise.all([
    db.user.findMany({
      where: {
        OR: [
          { email: { equals: actor, mode: "insensitive" } },
          { name: { equals: actor, mode: "insensitive" } },
        ],
      },
      select: { id: true },
    }),
    db.agent.findMany({ where: { slug: actor }, select: { id: true } }),
  ]);
  return { system: false, users: users.map((u) => u.id), agents: agents.map((a) => a.id) };
}

/**
 * The WHERE conditions of a filtered lane (table alias `e`). The action prefix is a range on
 * the column (indexable: the database's collation orders by code point) and a LIKE for the
 * exact meaning under any collation.
 */
export async function filterConditions(f: TAuditFilters): Promise<Prisma.Sql[]> {
  const and: Prisma.Sql[] = [Prisma.sql`e.lane = ${f.lane}::"AuditLane"`];
  if (f.actor) {
    const a = await resolveActor(f.actor);
    if (a.system) and.push(Prisma.sql`e."actorType" = 'system'`);
    else {
      const who: Prisma.Sql[] = [];
      // one id as an equality: the (lane, actor…, id) index then yields rows in id order
      // (`= any` over a btree does not, in PostgreSQL 15)
      const oneOf = (column: Prisma.Sql, list: string[]) =>
        list.length === 1
          ? Prisma.sql`${column} = ${list[0]}`
          : Prisma.sql`${column} = any(${list}::text[])`;
      if (a.users.length) who.push(oneOf(Prisma.sql`e."actorUserId"`, a.users));
      if (a.agents.length) who.push(oneOf(Prisma.sql`e."actorAgentId"`, a.agents));
      and.push(who.length ? Prisma.sql`(${Prisma.join(who, " or ")})` : Prisma.sql`false`);
    }
  }
  if (f.subjectType) and.push(Prisma.sql`e."subjectType" = ${f.subjectType}`);
  if (f.subjectId) and.push(Prisma.sql`e."subjectId" = ${f.subjectId}`);
  if (f.action?.endsWith(".")) {
    const like = f.action.replace(/_/g, "\\_") + "%";
    and.push(
      Prisma.sql`e.action >= ${f.action} and e.action < ${prefixEnd(f.action)} and e.action like ${like}`,
    );
  } else if (f.action) and.push(Prisma.sql`e.action = ${f.action}`);
  if (f.recordId) and.push(Prisma.sql`e."recordId" = any(${recordIdForms(f.recordId)}::text[])`);
  // createdAt is a timestamp without time zone holding UTC
  if (f.from)
    and.push(
      Prisma.sql`e."createdAt" >= ${new Date(f.from).toISOString()}::timestamptz at time zone 'UTC'`,
    );
  if (f.to)
    and.push(
      Prisma.sql`e."createdAt" < ${new Date(f.to).toISOString()}::timestamptz at time zone 'UTC'`,
    );
  return and;
}

/** A time window holding at most this many of a lane's events is read whole, then sorted. */
const NARROW_WINDOW = 10_000;

/**
 * Whether a time filter selects few events. The planner assumes a window's events are spread
 * evenly over the lane's ids and walks (lane, id) backwards to fill a page — reading every newer
 * event first when the window lies deep in the history (3.6 s for a day, 1M events back). A
 * probe of at most NARROW_WINDOW entries of (lane, createdAt) tells; a narrow window is then read
 * through that index and sorted (`id + 0` keeps the planner off the id order).
 */
async function isNarrowWindow(f: TAuditFilters): Promise<boolean> {
  if (!f.from && !f.to) return false;
  const window = await filterConditions({ lane: f.lane, from: f.from, to: f.to });
  const [{ n }] = await db.$queryRaw<{ n: number }[]>`
    select count(*)::int as n from (select 1 from "AuditEvent" e
      where ${Prisma.join(window, " and ")} limit ${NARROW_WINDOW + 1}) w`;
  return n <= NARROW_WINDOW;
}

type TRawRow = Omit<TAuditEventRow, "actor" | "seal"> & {
  actorType: string;
  userName: string | null;
  userEmail: string | null;
  agentSlug: string | null;
  agentName: string | null;
  seq: number | null;
  sealedAt: Date | null;
  hash: string | null;
  ageSeconds: number;
};

/**
 * One page of a lane's events, newest first (id desc; each lane has an index on (lane, id) and
 * one per filter column ending in id, so each filter reads only its own rows in order), and the
 * cursor of the next page (null on the last).
 */
export async function listAuditEvents(input: unknown): Promise<{
  events: TAuditEventRow[];
  nextCursor: string | null;
}> {
  const q = parseAuditQuery(ZAuditEventQuery, input);
  const { cursor, limit, ...filters } = q;
  const and = await filterConditions(filters);
  if (cursor) and.push(Prisma.sql`e.id < ${cursor}::bigint`);
  const order = (await isNarrowWindow(filters)) ? Prisma.sql`e.id + 0 desc` : Prisma.sql`e.id desc`;
  const rows = await db.$queryRaw<TRawRow[]>`
    select e.id::text as id, e.lane::text as lane, e."createdAt", e."actorType", e.action,
      e."subjectType", e."subjectId", e.object, e."recordId", e.field, e."reasonText",
      e.seq, e."sealedAt", e.hash,
      extract(epoch from (now() at time zone 'UTC') - e."appendedAt")::float8 as "ageSeconds",
      u.name as "userName", u.email as "userEmail", a.slug as "agentSlug", a.name as "agentName"
    from (select * from "AuditEvent" e where ${Prisma.join(and, " and ")}
          order by ${order} limit ${limit + 1}) e
    left join "User" u on u.id = e."actorUserId"
    left join "Agent" a on a.id = e."actorAgentId"
    order by e.id desc`;
  const page = rows.slice(0, limit);
  return {
    events: page.map(toRow),
    nextCursor: rows.length > limit ? page[page.length - 1].id : null,
  };
}

function toRow(r: TRawRow): TAuditEventRow {
  const {
    actorType,
    userName,
    userEmail,
    agentSlug,
    agentName,
    seq,
    sealedAt,
    hash,
    ageSeconds,
    ...rest
  } = r;
  const actor =
    actorType === "user"
      ? { type: "user", name: userName, detail: userEmail }
      : actorType === "agent"
        ? { type: "agent", name: agentSlug, detail: agentName }
        : { type: actorType, name: null, detail: null };
  const seal: TSealStatus =
    seq != null && sealedAt && hash
      ? { sealed: true, seq, sealedAt, hash }
      : { sealed: false, ageSeconds: Math.max(0, ageSeconds) };
  return { ...rest, actor, seal };
}
