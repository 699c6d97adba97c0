import "server-only";
import { z } from "zod";
import { db, Prisma } from "@/lib/db";
import { can, type TCurrentUser } from "@/lib/auth";
import { AppError } from "@/lib/core/errors";
import { riskLabel } from "@/lib/policy/risk";
import { parseRecordSummary } from "@/lib/agent-api/record-summary";

/** Statuses in which a request waits for a person; any other status was decided already. */
const WAITING = new Set(["pending_approval", "draft"]);

export const INBOX_AGES = {
  lt1h: "Under 1 hour",
  "1h-24h": "1 to 24 hours",
  gt24h: "Over 24 hours",
  overdue: "Past SLA",
} as const;

export const ZInboxQuery = z
  .object({
    agent: z.string().max(200).optional(),
    actionType: z.string().max(200).optional(),
    workflow: z.string().max(200).optional(),
    environment: z.string().max(100).optional(),
    age: z.enum(Object.keys(INBOX_AGES) as [keyof typeof INBOX_AGES]).optional(),
    kind: z.enum(["all", "approvals", "drafts"]).default("all"),
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strip();
export type TInboxQuery = z.input<typeof ZInboxQuery>;

type TCursor = { r: number; c: string; i: string };
const encodeCursor = (c: TCursor) => Buffer.from(JSON.stringify(c)).toString("base64url");
function decodeCursor(s: string): TCursor {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as TCursor;
    if (typeof c.r === "number" && typeof c.c === "string" && typeof c.i === "string") return c;
  } catch {
    /* fall through */
  }
  throw new AppError("invalid_query", "The page cursor is not valid; start from the first page");
}

/**
 * Who may see a waiting request, as branches the inbox reads one index range each: admins and
 * ops owners everything, others their approver groups and the groups work escalated to.
 */
function scopeBranches(user: TCurrentUser): Prisma.ActionRequestWhereInput[] {
  if (user.roles.includes("admin") || user.roles.includes("ops_owner")) return [{}];
  return user.groups.flatMap((g) => [{ approverRole: g }, { escalatedTo: g }]);
}

export function inboxScope(user: TCurrentUser): Prisma.ActionRequestWhereInput {
  const branches = scopeBranches(user);
  return branches.length === 1 ? branches[0] : { OR: branches };
}

function filters(q: z.infer<typeof ZInboxQuery>, now: Date): Prisma.ActionRequestWhereInput[] {
  const and: Prisma.ActionRequestWhereInput[] = [];
  if (q.agent) and.push({ agent: { slug: q.agent } });
  if (q.actionType) and.push({ actionType: { key: q.actionType } });
  if (q.workflow) and.push({ workflowVersion: { workflow: { key: q.workflow } } });
  if (q.environment) and.push({ environment: { slug: q.environment } });
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
  if (q.age === "lt1h") and.push({ createdAt: { gte: hoursAgo(1) } });
  if (q.age === "1h-24h") and.push({ createdAt: { lt: hoursAgo(1), gte: hoursAgo(24) } });
  if (q.age === "gt24h") and.push({ createdAt: { lt: hoursAgo(24) } });
  if (q.age === "overdue") and.push({ slaDueAt: { lt: now } });
  return and;
}

export const listSelect = {
  id: true,
  status: true,
  object: true,
  recordId: true,
  reasonCode: true,
  reasonText: true,
  evidence: true,
  decisionMode: true,
  decisionRule: true,
  approverRole: true,
  escalatedTo: true,
  requiredApprovals: true,
  riskScore: true,
  slaDueAt: true,
  expiresAt: true,
  createdAt: true,
  lastErrorClass: true,
  recordSummary: true,
  revertsId: true,
  operation: true,
  agent: { select: { slug: true, name: true } },
  environment: { select: { slug: true, isProduction: true } },
  actionType: { select: { key: true, name: true } },
  workflowVersion: { select: { version: true, workflow: { select: { key: true } } } },
  fieldChanges: { select: { field: true, oldValue: true, newValue: true } },
  approvals: { select: { approverId: true, decision: true } },
} satisfies Prisma.ActionRequestSelect;

export type TListRow = Prisma.ActionRequestGetPayload<{ select: typeof listSelect }>;

export function toItem(r: TListRow, user: TCurrentUser) {
  return {
    id: r.id,
    status: r.status,
    /** false: decided already (opened by link) — shown, never decided again */
    waiting: WAITING.has(r.status),
    object: r.object,
    recordId: r.recordId,
    /** name, account, amount, stage, owner as read when the agent asked */
    record: parseRecordSummary(r.recordSummary),
    agent: r.agent,
    environment: r.environment.slug,
    isProduction: r.environment.isProduction,
    actionType: r.actionType?.key ?? null,
    actionTypeName: r.actionType?.name ?? null,
    workflow: r.workflowVersion
      ? { key: r.workflowVersion.workflow.key, version: r.workflowVersion.version }
      : null,
    reasonCode: r.reasonCode,
    reasonText: r.reasonText,
    evidenceCount: Array.isArray(r.evidence) ? r.evidence.length : 0,
    mode: r.decisionMode,
    rule: r.decisionRule,
    approverRole: r.approverRole,
    escalatedTo: r.escalatedTo,
    requiredApprovals: Math.max(1, r.requiredApprovals),
    approvals: r.approvals.filter((a) => a.decision === "approved").length,
    decidedByMe: r.approvals.some((a) => a.approverId === user.id),
    risk: { score: r.riskScore, label: riskLabel(r.riskScore) },
    slaDueAt: r.slaDueAt?.toISOString() ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    returnedAfterConflict: r.lastErrorClass === "conflict",
    changes: r.fieldChanges.map((f) => ({ field: f.field, from: f.oldValue, to: f.newValue })),
    /**
     * A person's revert of an earlier request (lib/reverts); `deletes`: approving it deletes the
     * record (`recordId`) a create made — it has no field changes to show
     */
    revert: r.revertsId ? { of: r.revertsId, deletes: r.operation === "delete" } : null,
  };
}
export type TInboxItem = ReturnType<typeof toItem>;

/** Counting the whole scope is a scan; past this many the inbox says "1000+". */
const INBOX_COUNT_CAP = 1000;

const ORDER = [
  { riskScore: "desc" },
  { createdAt: "desc" },
  { id: "asc" },
] satisfies Prisma.ActionRequestOrderByWithRelationInput[];

const before = (
  a: { riskScore: number; createdAt: Date; id: string },
  b: { riskScore: number; createdAt: Date; id: string },
) =>
  b.riskScore - a.riskScore ||
  b.createdAt.getTime() - a.createdAt.getTime() ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The signed-in person's inbox: requests waiting for a decision (pending approval) or for a
 * person to execute them (drafts), riskiest first then newest, filtered, one page at a time.
 *
 * How it stays fast with 100,000 waiting: each (status, group) pair — the person's approver
 * groups and the groups work escalated to — is one range of an index already in inbox order
 * (migration `…_inbox_indexes`), so each branch reads at most one page; the branches are merged
 * here, and only the page's rows are loaded in full. The total is counted up to a cap.
 */
export async function listInbox(user: TCurrentUser, query: TInboxQuery = {}) {
  if (!can(user.roles, "inbox:read")) throw new AppError("forbidden", "Your role has no inbox");
  const q = ZInboxQuery.parse(query);
  const now = new Date();
  const statuses =
    q.kind === "approvals"
      ? (["pending_approval"] as const)
      : q.kind === "drafts"
        ? (["draft"] as const)
        : (["pending_approval", "draft"] as const);
  const branches = scopeBranches(user);
  if (!branches.length) return { items: [], total: 0, totalCapped: false, nextCursor: null };
  const page: Prisma.ActionRequestWhereInput[] = [];
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const at = new Date(c.c);
    page.push({
      OR: [
        { riskScore: { lt: c.r } },
        { riskScore: c.r, createdAt: { lt: at } },
        { riskScore: c.r, createdAt: at, id: { gt: c.i } },
      ],
    });
  }
  const common = [...filters(q, now), ...page];
  const base: Prisma.ActionRequestWhereInput = {
    AND: [{ status: { in: [...statuses] } }, inboxScope(user), ...filters(q, now)],
  };
  const [heads, counted] = await Promise.all([
    Promise.all(
      statuses.flatMap((status) =>
        branches.map((branch) =>
          db.actionRequest.findMany({
            where: { AND: [{ status }, branch, ...common] },
            orderBy: ORDER,
            take: q.limit + 1,
            select: { id: true, riskScore: true, createdAt: true },
          }),
        ),
      ),
    ),
    q.cursor
      ? Promise.resolve(null)
      : db.actionRequest.count({ where: base, take: INBOX_COUNT_CAP + 1 }),
  ]);
  const merged = [...new Map(heads.flat().map((h) => [h.id, h])).values()].sort(before);
  const pageHeads = merged.slice(0, q.limit);
  const rows = await db.actionRequest.findMany({
    where: { id: { in: pageHeads.map((h) => h.id) } },
    select: listSelect,
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const items = pageHeads
    .map((h) => byId.get(h.id))
    .filter((r): r is TListRow => Boolean(r))
    .map((r) => toItem(r, user));
  const last = pageHeads[pageHeads.length - 1];
  return {
    items,
    total: counted === null ? null : Math.min(counted, INBOX_COUNT_CAP),
    totalCapped: counted !== null && counted > INBOX_COUNT_CAP,
    nextCursor:
      merged.length > q.limit && last
        ? encodeCursor({ r: last.riskScore, c: last.createdAt.toISOString(), i: last.id })
        : null,
  };
}

/** The choices for the inbox's filter menus. */
export async function inboxFacets() {
  const [agents, actionTypes, workflows, environments] = await Promise.all([
    db.agent.findMany({
      select: { slug: true, name: true },
      distinct: ["slug"],
      orderBy: { slug: "asc" },
    }),
    db.actionType.findMany({ select: { key: true, name: true }, orderBy: { key: "asc" } }),
    db.workflow.findMany({ select: { key: true, name: true }, orderBy: { key: "asc" } }),
    db.environment.findMany({ select: { slug: true, name: true }, orderBy: { slug: "asc" } }),
  ]);
  return { agents, actionTypes, workflows, environments, ages: INBOX_AGES };
}

/**
 * One request as the inbox list shows it, in any status, if the person may see it (same scope
 * as the inbox): for a link to a request that is not in the current page, or no longer waits.
 * No Salesforce read. Null: no such request, or not theirs to see.
 */
export async function findInboxItem(user: TCurrentUser, id: string) {
  if (!can(user.roles, "inbox:read")) return null;
  if (!id || id.length > 64) return null;
  const r = await db.actionRequest.findFirst({
    where: { AND: [{ id }, inboxScope(user)] },
    select: listSelect,
  });
  return r ? toItem(r, user) : null;
}
