import "server-only";
import { z } from "zod";
import { db, Prisma } from "@/lib/db";
import { AppError } from "@/lib/core/errors";
import { connectorFor } from "@/lib/environments";
import {
  ConnectorError,
  fieldHistoryOf,
  type SalesforceConnector,
} from "@/lib/connectors/salesforce";
import { sameValue } from "@/lib/execution/values";

/** Tollgate requests shown per page of a record's timeline, newest first. */
export const TIMELINE_PAGE = 100;
/** Salesforce field-history rows read per timeline (the newest). */
const HISTORY_LIMIT = 2_000;
/** A history row this close to a Tollgate write of the same value is that write. */
const MATCH_WINDOW_MS = 5 * 60_000;

export const ZRecordId = z
  .string()
  .trim()
  .regex(
    /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/,
    "A Salesforce record id has 15 or 18 letters and digits",
  );

export const ZTimelineQuery = z
  .object({
    /** environment slug: whose Salesforce to read the field history from */
    env: z.string().trim().max(64).optional(),
    /** keyset: requests created before this request's (createdAt, id) */
    before: z.string().trim().max(64).optional(),
  })
  .strict();

type THistoryRow = {
  Id: string;
  Field: string;
  OldValue: unknown;
  NewValue: unknown;
  CreatedDate: string;
  CreatedById: string;
};

/** One request of the timeline as its single SQL statement returns it. */
type TRow = {
  id: string;
  status: string;
  object: string;
  createdAt: Date;
  completedAt: Date | null;
  reasonText: string | null;
  reasonCode: string | null;
  revertsId: string | null;
  operation: string | null;
  decisionMode: string | null;
  decisionRule: string | null;
  recordSummary: { name?: string | null } | null;
  environmentId: string;
  environment: string;
  agent: string;
  agentSlug: string;
  actionType: string | null;
  requestedBy: string | null;
  approvals: { decision: string; name: string }[];
  fields: {
    field: string;
    oldValue: unknown;
    newValue: unknown;
    appliedValue: unknown;
    revertedAt: string | null;
  }[];
};

/**
 * "Why did this field change?" for one Salesforce record: every Tollgate request on it (who
 * proposed, who approved, why, each field before → after, newest first, keyset-paged), merged
 * with the record's Salesforce field history, where each change Tollgate did not make is marked
 * as made outside Tollgate (with the Salesforce user's name). 15- and 18-character ids match.
 * The history is read through the environment named, else the newest request's; a record
 * Tollgate never touched needs the environment named.
 */
export async function getRecordTimeline(
  rawId: string,
  query: z.input<typeof ZTimelineQuery> = {},
  opts: { connector?: SalesforceConnector } = {},
) {
  const parsed = ZRecordId.safeParse(rawId);
  if (!parsed.success) throw new AppError("invalid_query", parsed.error.issues[0].message);
  const q = ZTimelineQuery.parse(query);
  const id15 = parsed.data.slice(0, 15);

  let cursor: { createdAt: Date; id: string } | null = null;
  if (q.before) {
    const at = await db.actionRequest.findUnique({
      where: { id: q.before },
      select: { id: true, createdAt: true },
    });
    if (!at) throw new AppError("invalid_query", "The page cursor names no request");
    cursor = at;
  }
  // One org per timeline: a sandbox copied from production keeps production's record ids, so
  // each environment's requests and history are its own. The one named, else the newest
  // request's; the others that have requests on this id are listed to switch to.
  const present = await db.$queryRaw<{ environmentId: string; at: Date }[]>`
    select "environmentId", max("createdAt") as at from "ActionRequest"
    where left("recordId", 15) = ${id15} or left("resultRecordId", 15) = ${id15}
    group by "environmentId" order by at desc`;
  const env = q.env
    ? await db.environment.findUnique({ where: { slug: q.env } })
    : present.length
      ? await db.environment.findUnique({ where: { id: present[0].environmentId } })
      : null;
  if (q.env && !env) throw new AppError("invalid_query", `No environment "${q.env}"`);
  const others = await db.environment.findMany({
    where: { id: { in: present.map((p) => p.environmentId).filter((i) => i !== env?.id) } },
    select: { slug: true, name: true },
    orderBy: { slug: "asc" },
  });
  const inEnv = env ? Prisma.sql`and "environmentId" = ${env.id}` : Prisma.sql`and false`;
  const after = cursor
    ? Prisma.sql`and ("createdAt", id) < (${cursor.createdAt.toISOString()}::timestamptz at time zone 'UTC', ${cursor.id})`
    : Prisma.empty;
  // One statement: the page of requests (each id column's index range read backwards in the
  // page's order and cut at the page: left(recordId, 15) for updates, left(resultRecordId, 15)
  // for creates) with the names and the field changes and approvals of each.
  const found = await db.$queryRaw<TRow[]>`
    with page as (
      select id, "createdAt" from (
        (select id, "createdAt" from "ActionRequest" where left("recordId", 15) = ${id15} ${inEnv} ${after}
         order by left("recordId", 15) desc, "createdAt" desc, id desc limit ${TIMELINE_PAGE + 1})
        union all
        (select id, "createdAt" from "ActionRequest" where left("resultRecordId", 15) = ${id15}
           and "recordId" is null ${inEnv} ${after}
         order by left("resultRecordId", 15) desc, "createdAt" desc, id desc limit ${TIMELINE_PAGE + 1})
      ) u
      order by "createdAt" desc, id desc
      limit ${TIMELINE_PAGE + 1})
    select r.id, r.status::text, r.object, r."createdAt", r."completedAt", r."reasonText",
      r."reasonCode", r."revertsId", r.operation, r."decisionMode"::text as "decisionMode", r."decisionRule",
      r."recordSummary", r."environmentId", e.name as environment, a.name as agent,
      a.slug as "agentSlug", t.name as "actionType", u.name as "requestedBy",
      coalesce((select jsonb_agg(jsonb_build_object('decision', ap.decision, 'name', p.name)
                  order by ap."createdAt")
                from "Approval" ap join "User" p on p.id = ap."approverId"
                where ap."actionRequestId" = r.id), '[]') as approvals,
      coalesce((select jsonb_agg(jsonb_build_object('field', f.field, 'oldValue', f."oldValue",
                  'newValue', f."newValue", 'appliedValue', f."appliedValue",
                  'revertedAt', to_char(f."revertedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                  order by f.field)
                from "FieldChange" f where f."actionRequestId" = r.id), '[]') as fields
    from page join "ActionRequest" r on r.id = page.id
    join "Environment" e on e.id = r."environmentId"
    join "Agent" a on a.id = r."agentId"
    left join "ActionType" t on t.id = r."actionTypeId"
    left join "User" u on u.id = r."requestedById"
    order by page."createdAt" desc, page.id desc`;
  const more = found.length > TIMELINE_PAGE;
  const rows = found.slice(0, TIMELINE_PAGE);

  const newest = rows[0];
  const object = newest?.object ?? null;
  // this page's share of the field history: newer than the previous page's oldest request (none
  // on the first page), and — when older pages follow — not older than this page's oldest, so a
  // change an older request made is matched on that request's page, never shown as outside
  const span = {
    before: cursor?.createdAt ?? null,
    from: more ? rows[rows.length - 1].createdAt : null,
  };
  const history = env && object ? await readHistory(env, object, parsed.data, span, opts) : null;

  const requests = rows.map((r) => ({
    id: r.id,
    status: r.status,
    createdAt: r.createdAt,
    completedAt: r.completedAt,
    environment: r.environment,
    agent: r.agent,
    agentSlug: r.agentSlug,
    actionType: r.actionType ?? r.object,
    requestedBy: r.requestedBy,
    reasonText: r.reasonText,
    reasonCode: r.reasonCode,
    revertsId: r.revertsId,
    /** "delete": a revert that deletes the record a create made */
    operation: r.operation,
    decision: { mode: r.decisionMode, rule: r.decisionRule },
    approvedBy: r.approvals.filter((a) => a.decision === "approved").map((a) => a.name),
    deniedBy: r.approvals.filter((a) => a.decision === "denied").map((a) => a.name),
    fields: r.fields.map((f) => ({
      field: f.field,
      before: f.oldValue,
      proposed: f.newValue,
      written: f.appliedValue,
      revertedAt: f.revertedAt ? new Date(f.revertedAt) : null,
    })),
  }));

  // each history row: Tollgate's write (same field and value, close in time) or someone else's
  const writes = requests.flatMap((r) =>
    ["succeeded", "reverted"].includes(r.status) && r.completedAt
      ? r.fields.map((f) => ({
          requestId: r.id,
          field: f.field,
          value: f.written ?? f.proposed,
          at: r.completedAt!.getTime(),
        }))
      : [],
  );
  const byField = new Map<string, typeof writes>();
  for (const w of writes) {
    const list = byField.get(w.field);
    if (list) list.push(w);
    else byField.set(w.field, [w]);
  }
  const used = new Set<(typeof writes)[number]>();
  const changes = (history?.rows ?? []).map((h) => {
    const at = new Date(h.CreatedDate).getTime();
    const match = byField
      .get(h.Field)
      ?.find(
        (w) =>
          !used.has(w) && Math.abs(w.at - at) <= MATCH_WINDOW_MS && sameValue(w.value, h.NewValue),
      );
    if (match) used.add(match);
    return {
      id: h.Id,
      at: new Date(at),
      field: h.Field,
      oldValue: h.OldValue,
      newValue: h.NewValue,
      by: history?.users.get(h.CreatedById) ?? h.CreatedById,
      /** the Tollgate request that made this change, or null: changed outside Tollgate */
      requestId: match?.requestId ?? null,
    };
  });

  return {
    recordId: parsed.data,
    object,
    name: (newest?.recordSummary as { name?: string | null } | null)?.name ?? null,
    environment: env ? { slug: env.slug, name: env.name } : null,
    otherEnvironments: others,
    requests,
    nextBefore: more ? rows[rows.length - 1].id : null,
    salesforce: history
      ? { read: history.error === null, error: history.error, changes }
      : { read: false, error: null, changes: [] as typeof changes },
  };
}
export type TRecordTimeline = Awaited<ReturnType<typeof getRecordTimeline>>;

/** The record's field history, newest first, with the users' names; best effort. */
async function readHistory(
  env: Parameters<typeof connectorFor>[0],
  object: string,
  recordId: string,
  span: { before: Date | null; from: Date | null },
  opts: { connector?: SalesforceConnector },
): Promise<{ rows: THistoryRow[]; users: Map<string, string>; error: string | null }> {
  const h = fieldHistoryOf(object);
  if (!h) return { rows: [], users: new Map(), error: `No field history for ${object}` };
  // SOQL datetime literals (UTC, no quotes); the window's edges widened by the match window
  const soqlTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
  const bounds = [
    span.before && `CreatedDate < ${soqlTime(new Date(span.before.getTime() + MATCH_WINDOW_MS))}`,
    span.from && `CreatedDate >= ${soqlTime(span.from)}`,
  ].filter(Boolean);
  try {
    const sf = opts.connector ?? (await connectorFor(env));
    const { records } = await sf.query<THistoryRow>(
      `SELECT Id, Field, OldValue, NewValue, CreatedDate, CreatedById FROM ${h.name} WHERE ${h.parent} = '${recordId}'${bounds.map((b) => ` AND ${b}`).join("")} ORDER BY CreatedDate DESC`,
      { maxRecords: HISTORY_LIMIT },
    );
    const rows = records.filter((r) => r.Field !== "created");
    const userIds = [...new Set(rows.map((r) => r.CreatedById))].filter((u) =>
      /^[a-zA-Z0-9]{15,18}$/.test(u),
    );
    const users = new Map<string, string>();
    if (userIds.length) {
      const { records: people } = await sf
        .query<{ Id: string; Name: string }>(
          `SELECT Id, Name FROM User WHERE Id IN (${userIds.map((u) => `'${u}'`).join(",")})`,
        )
        .catch(() => ({ records: [] as { Id: string; Name: string }[] }));
      for (const p of people) users.set(p.Id, p.Name);
    }
    return { rows, users, error: null };
  } catch (e) {
    const why =
      e instanceof ConnectorError
        ? `${e.errorClass}: ${e.message}`
        : ((e as { message?: string })?.message ?? String(e));
    return {
      rows: [],
      users: new Map(),
      error: `Salesforce field history could not be read (${why})`,
    };
  }
}
