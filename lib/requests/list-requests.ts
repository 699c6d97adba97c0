import "server-only";
import { db, Prisma, rawQuery } from "@/lib/db";
import { AppError } from "@/lib/core/errors";
import { parseRecordSummary } from "@/lib/agent-api/record-summary";
import {
  REQUEST_STATUSES,
  ZRequestQuery,
  type TRequestQuery,
  type TRequestQueryInput,
  type TRequestStatus,
} from "./query";

/** Where a page starts: after (`next`) or before (`prev`) the row with this createdAt and id. */
type TCursor = { c: string; i: string; d: "next" | "prev" };
const encodeCursor = (c: TCursor) => Buffer.from(JSON.stringify(c)).toString("base64url");
function decodeCursor(s: string): TCursor {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as TCursor;
    if (
      typeof c.i === "string" &&
      typeof c.c === "string" &&
      !Number.isNaN(new Date(c.c).getTime()) &&
      (c.d === "next" || c.d === "prev")
    )
      return c;
  } catch {
    /* fall through */
  }
  throw new AppError("invalid_query", "The page cursor is not valid; start from the first page");
}

/** A query parsed, or 400 invalid_query with the failing fields. */
export function parseRequestQuery(input: unknown): TRequestQuery {
  const parsed = ZRequestQuery.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new AppError("invalid_query", "The filters are not valid", {
    errors: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  });
}

/** A UTC instant as the table's `timestamp` columns hold it. */
const utc = (iso: string) => Prisma.sql`(${iso}::timestamptz at time zone 'UTC')`;

/** `%`, `_` and `\` stand for themselves in a search. */
const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/**
 * The filters as SQL conditions on "ActionRequest", or null when a named thing does not exist
 * (then nothing matches). Names are resolved to ids first, so every condition is on a column of
 * the table and an index in createdAt order can serve it (migration `…_requests_page_indexes`).
 */
async function conditions(q: TRequestQuery): Promise<Prisma.Sql[] | null> {
  const and: Prisma.Sql[] = [];
  if (q.agent) and.push(Prisma.sql`r."agentId" = ${q.agent}`);
  if (q.workflowVersion) and.push(Prisma.sql`r."workflowVersionId" = ${q.workflowVersion}`);
  if (q.actionType) {
    const t = await db.actionType.findUnique({
      where: { key: q.actionType },
      select: { id: true },
    });
    if (!t) return null;
    and.push(Prisma.sql`r."actionTypeId" = ${t.id}`);
  }
  if (q.environment) {
    const e = await db.environment.findUnique({
      where: { slug: q.environment },
      select: { id: true },
    });
    if (!e) return null;
    and.push(Prisma.sql`r."environmentId" = ${e.id}`);
  }
  if (q.field)
    and.push(
      Prisma.sql`exists (select 1 from "FieldChange" fc where fc."actionRequestId" = r.id and fc.field = ${q.field})`,
    );
  if (q.origin === "agent") and.push(Prisma.sql`r."revertsId" is null`);
  if (q.origin === "person") and.push(Prisma.sql`r."revertsId" is not null`);
  if (q.record) and.push(Prisma.sql`left(r."recordId", 15) = ${q.record.slice(0, 15)}`);
  if (q.q) {
    const p = likePattern(q.q);
    // the expression of the trigram index (migration `…_requests_page_indexes`), exactly
    and.push(
      Prisma.sql`(coalesce(r."reasonText", '') || ' ' || coalesce(r."recordSummary"->>'name', '')) ILIKE ${p}`,
    );
  }
  if (q.from) and.push(Prisma.sql`r."createdAt" >= ${utc(q.from.toISOString())}`);
  if (q.to) and.push(Prisma.sql`r."createdAt" <= ${utc(q.to.toISOString())}`);
  return and;
}

const where = (and: Prisma.Sql[]) =>
  and.length ? Prisma.sql`WHERE ${Prisma.join(and, " AND ")}` : Prisma.empty;

type THead = { id: string; createdAt: Date };

/**
 * Up to `take` ids in keyset order from a position. Several statuses are one branch each, each
 * cut at `take` and merged by PostgreSQL (a Merge Append): one `IN` list would be read from a
 * status index unordered and sorted whole.
 */
async function readHeads(
  q: TRequestQuery,
  and: Prisma.Sql[],
  after: TCursor | null,
  take: number,
): Promise<THead[]> {
  const backwards = after?.d === "prev";
  const dir = backwards ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const page = after
    ? backwards
      ? Prisma.sql`(r."createdAt", r.id) > (${utc(after.c)}, ${after.i})`
      : Prisma.sql`(r."createdAt", r.id) < (${utc(after.c)}, ${after.i})`
    : null;
  const common = page ? [...and, page] : and;
  const branch = (extra: Prisma.Sql[]) => Prisma.sql`
    SELECT r.id, r."createdAt" FROM "ActionRequest" r ${where([...extra, ...common])}
    ORDER BY r."createdAt" ${dir}, r.id ${dir} LIMIT ${take}`;
  const statuses = q.status;
  const sql =
    statuses.length <= 1
      ? branch(statuses.map((s) => Prisma.sql`r.status = ${s}::"ActionRequestStatus"`))
      : Prisma.sql`SELECT id, "createdAt" FROM (${Prisma.join(
          statuses.map(
            (s) => Prisma.sql`(${branch([Prisma.sql`r.status = ${s}::"ActionRequestStatus"`])})`,
          ),
          " UNION ALL ",
        )}) b ORDER BY "createdAt" ${dir}, id ${dir} LIMIT ${take}`;
  return rawQuery<THead>(sql);
}

const rowSelect = {
  id: true,
  status: true,
  object: true,
  recordId: true,
  recordSummary: true,
  reasonText: true,
  decisionOutcome: true,
  refusalCode: true,
  refusalDetail: true,
  lastErrorCode: true,
  lastErrorMessage: true,
  createdAt: true,
  decidedAt: true,
  completedAt: true,
  revertsId: true,
  operation: true,
  agent: { select: { id: true, slug: true, name: true } },
  environment: { select: { slug: true } },
  actionType: { select: { key: true, name: true } },
  workflowVersion: {
    select: { id: true, version: true, workflow: { select: { key: true, name: true } } },
  },
  approvals: {
    select: { decision: true, createdAt: true, approver: { select: { name: true } } },
    orderBy: { createdAt: "asc" },
  },
} satisfies Prisma.ActionRequestSelect;
type TDbRow = Prisma.ActionRequestGetPayload<{ select: typeof rowSelect }>;

/** Who decided: people (by name), the policy on its own, or a refusal; null while undecided. */
export type TDecidedBy =
  | { kind: "people"; names: string[]; decision: "approved" | "denied" }
  | { kind: "auto" }
  | { kind: "refused"; code: string | null; detail: string | null }
  | null;

function decidedBy(r: TDbRow): TDecidedBy {
  if (r.approvals.length) {
    return {
      kind: "people",
      names: r.approvals.map((a) => a.approver.name),
      decision: r.approvals.some((a) => a.decision === "denied") ? "denied" : "approved",
    };
  }
  if (r.status === "denied" || r.refusalCode)
    return { kind: "refused", code: r.refusalCode, detail: r.refusalDetail };
  if (r.decisionOutcome === "auto_approved") return { kind: "auto" };
  return null;
}

/** How it ended, in a few words: succeeded, the last error, or the refusal's code. */
function outcomeOf(r: TDbRow): string | null {
  if (r.status === "succeeded") return "succeeded";
  if (r.refusalCode) return r.refusalCode;
  if (r.lastErrorCode || r.lastErrorMessage)
    return [r.lastErrorCode, r.lastErrorMessage].filter(Boolean).join(": ");
  return null;
}

function toRow(r: TDbRow) {
  return {
    id: r.id,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
    environment: r.environment.slug,
    agent: r.agent,
    workflow: r.workflowVersion
      ? {
          versionId: r.workflowVersion.id,
          key: r.workflowVersion.workflow.key,
          name: r.workflowVersion.workflow.name,
          version: r.workflowVersion.version,
        }
      : null,
    actionType: r.actionType,
    object: r.object,
    recordId: r.recordId,
    recordName: parseRecordSummary(r.recordSummary)?.name ?? null,
    reasonText: r.reasonText,
    decidedBy: decidedBy(r),
    outcome: outcomeOf(r),
    /** a person's revert of `of`; `deletes`: it deletes the record a create made */
    revert: r.revertsId ? { of: r.revertsId, deletes: r.operation === "delete" } : null,
  };
}
export type TRequestRow = ReturnType<typeof toRow>;

async function loadRows(heads: THead[]): Promise<TRequestRow[]> {
  if (!heads.length) return [];
  const rows = await db.actionRequest.findMany({
    where: { id: { in: heads.map((h) => h.id) } },
    select: rowSelect,
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return heads.flatMap((h) => {
    const r = byId.get(h.id);
    return r ? [toRow(r)] : [];
  });
}

export type TRequestPage = {
  items: TRequestRow[];
  /** the page after this one (older), or null on the last page */
  nextCursor: string | null;
  /** the page before this one (newer), or null on the first page */
  prevCursor: string | null;
};

/**
 * Every action request, newest first (createdAt, then id, both descending), filtered, one
 * keyset page at a time: a page reads at most `limit + 1` index entries past its cursor, never
 * an OFFSET, so the thousandth page costs what the first does.
 */
export async function listRequests(input: TRequestQueryInput = {}): Promise<TRequestPage> {
  const q = parseRequestQuery(input);
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const and = await conditions(q);
  if (!and) return { items: [], nextCursor: null, prevCursor: null };
  const heads = await readHeads(q, and, after, q.limit + 1);
  const more = heads.length > q.limit;
  const page = heads.slice(0, q.limit);
  if (after?.d === "prev") page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const at = (h: THead, d: TCursor["d"]) =>
    encodeCursor({ c: h.createdAt.toISOString(), i: h.id, d });
  // going forward there is a newer page iff we came from one; going back, iff more were read
  const hasNewer = after?.d === "prev" ? more : after !== null;
  const hasOlder = after?.d === "prev" ? true : more;
  return {
    items: await loadRows(page),
    nextCursor: last && hasOlder ? at(last, "next") : null,
    prevCursor: first && hasNewer ? at(first, "prev") : null,
  };
}

/** A count that stops at `cap` (the export's progress; "more than" past it). */
export async function countRequests(q: TRequestQuery, cap: number): Promise<number> {
  const and = await conditions(q);
  if (!and) return 0;
  const statuses = q.status.length
    ? [Prisma.sql`r.status = ANY(${q.status}::"ActionRequestStatus"[])`]
    : [];
  const rows = await rawQuery<{ n: number }>(Prisma.sql`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM "ActionRequest" r ${where([...statuses, ...and])} LIMIT ${cap}
    ) s`);
  return rows[0]?.n ?? 0;
}

/**
 * The whole filtered set in list order, `size` rows at a time, each batch read from where the
 * last one ended (the same keyset reads as the list): memory holds one batch, however many match.
 */
export async function* requestBatches(q: TRequestQuery, size: number) {
  const and = await conditions(q);
  if (!and) return;
  let after: TCursor | null = null;
  for (;;) {
    const heads = await readHeads(q, and, after, size);
    if (!heads.length) return;
    yield await loadRows(heads);
    if (heads.length < size) return;
    const last = heads[heads.length - 1];
    after = { c: last.createdAt.toISOString(), i: last.id, d: "next" };
  }
}

/**
 * The choices for the filter menus: agents and workflow versions by name, with their ids; action
 * types and environments with their ids too (the Requests filters use their keys and slugs, the
 * backout form their ids).
 */
export async function requestFacets() {
  const [agents, workflowVersions, actionTypes, environments] = await Promise.all([
    db.agent.findMany({
      select: {
        id: true,
        name: true,
        environmentId: true,
        environment: { select: { slug: true } },
      },
      orderBy: [{ name: "asc" }, { environmentId: "asc" }],
    }),
    db.workflowVersion.findMany({
      select: { id: true, version: true, workflow: { select: { name: true } } },
      orderBy: [{ workflow: { name: "asc" } }, { version: "desc" }],
    }),
    db.actionType.findMany({
      select: { id: true, key: true, name: true },
      orderBy: { key: "asc" },
    }),
    db.environment.findMany({
      select: { id: true, slug: true, name: true },
      orderBy: { slug: "asc" },
    }),
  ]);
  return {
    agents: agents.map((a) => ({
      id: a.id,
      name: a.name,
      environment: a.environment.slug,
      environmentId: a.environmentId,
    })),
    workflowVersions: workflowVersions.map((v) => ({
      id: v.id,
      name: v.workflow.name,
      version: v.version,
    })),
    actionTypes,
    environments,
    statuses: [...REQUEST_STATUSES] as TRequestStatus[],
  };
}
export type TRequestFacets = Awaited<ReturnType<typeof requestFacets>>;
