import "server-only";
import { z } from "zod";
import { db, Prisma } from "@/lib/db";
import { can, type TCurrentUser } from "@/lib/auth";
import { notFound } from "@/lib/core/errors";
import {
  mayStopBackouts,
  PLAN_FRESH_MS,
  progressIn,
  type TBackoutProgress,
  type TBackoutStatus,
} from "./run-backout";

const SUMMARY_INCLUDE = {
  environment: { select: { id: true, slug: true, name: true } },
  createdBy: { select: { id: true, name: true } },
  startedBy: { select: { id: true, name: true } },
} satisfies Prisma.BackoutInclude;

type TRow = Prisma.BackoutGetPayload<{ include: typeof SUMMARY_INCLUDE }>;

/** Names for the selection's ids (agent, workflow version, action type), one read each kind. */
async function selectionNames(rows: TRow[]) {
  const ids = (k: "agentId" | "workflowVersionId" | "actionTypeId") =>
    [...new Set(rows.map((r) => r[k]).filter(Boolean))] as string[];
  const [agents, versions, types] = await Promise.all([
    db.agent.findMany({ where: { id: { in: ids("agentId") } }, select: { id: true, name: true } }),
    db.workflowVersion.findMany({
      where: { id: { in: ids("workflowVersionId") } },
      select: { id: true, version: true, workflow: { select: { name: true } } },
    }),
    db.actionType.findMany({
      where: { id: { in: ids("actionTypeId") } },
      select: { id: true, key: true, name: true },
    }),
  ]);
  return {
    agent: new Map(agents.map((a) => [a.id, a.name])),
    version: new Map(versions.map((v) => [v.id, `${v.workflow.name} v${v.version}`])),
    type: new Map(types.map((t) => [t.id, t.name || t.key])),
  };
}

export type TBackoutSummary = Awaited<ReturnType<typeof summaries>>[number];

async function summaries(rows: TRow[], user: TCurrentUser | null) {
  const names = await selectionNames(rows);
  return Promise.all(
    rows.map(async (b) => {
      const status = b.status as TBackoutStatus;
      const progress: TBackoutProgress | null =
        status === "planned" ? null : await progressIn(db, b.id);
      const mine = user?.id === b.createdById;
      const stale = Date.now() - b.plannedAt.getTime() > PLAN_FRESH_MS;
      return {
        id: b.id,
        status,
        environment: b.environment,
        agent: b.agentId ? { id: b.agentId, name: names.agent.get(b.agentId) ?? b.agentId } : null,
        workflowVersion: b.workflowVersionId
          ? {
              id: b.workflowVersionId,
              name: names.version.get(b.workflowVersionId) ?? b.workflowVersionId,
            }
          : null,
        actionType: b.actionTypeId
          ? { id: b.actionTypeId, name: names.type.get(b.actionTypeId) ?? b.actionTypeId }
          : null,
        windowStart: b.windowStart,
        windowEnd: b.windowEnd,
        reason: b.reason,
        createdBy: b.createdBy,
        createdAt: b.createdAt,
        plannedAt: b.plannedAt,
        startedBy: b.startedBy,
        startedAt: b.startedAt,
        pausedAt: b.pausedAt,
        finishedAt: b.finishedAt,
        plan: {
          requests: b.requests,
          records: b.records,
          restorable: b.restorable,
          conflicts: b.conflicts,
          alreadyRestored: b.alreadyRestored,
          alreadyThere: b.alreadyThere,
          notRevertible: b.notRevertible,
        },
        progress,
        /** why the current person cannot start it, or null when they can */
        startBlocked:
          status !== "planned"
            ? `It is ${status}`
            : !user || !can(user.roles, "backouts:start")
              ? "Your role cannot start a backout"
              : mine
                ? "You planned it: another person starts it"
                : stale
                  ? "The dry run is more than an hour old: run it again"
                  : b.restorable === 0
                    ? "Nothing in it is restorable"
                    : null,
        can: {
          pause: status === "running" && !!user && mayStopBackouts(user.roles),
          resume: status === "paused" && !!user && can(user.roles, "backouts:start") && !mine,
          cancel:
            (status === "planned" || status === "paused") && !!user && mayStopBackouts(user.roles),
        },
      };
    }),
  );
}

/** The newest backouts (50), each with its plan and, once started, its progress. */
export async function listBackouts(user: TCurrentUser | null) {
  const rows = await db.backout.findMany({
    include: SUMMARY_INCLUDE,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 50,
  });
  return summaries(rows, user);
}

export async function getBackout(id: string, user: TCurrentUser | null) {
  const row = await db.backout.findUnique({ where: { id }, include: SUMMARY_INCLUDE });
  if (!row) throw notFound("Backout");
  return (await summaries([row], user))[0];
}

export const ITEM_STATES = [
  "restorable",
  "conflict",
  "already_restored",
  "already_there",
  "not_revertible",
  "revert_open",
  "changed_since_plan",
] as const;

export const ZItemQuery = z
  .object({
    state: z.enum(ITEM_STATES).optional(),
    /** the last item of the previous page (keyset) */
    after: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/**
 * A backout's items, a page at a time (keyset on id within the backout), with the revert
 * request carrying each out and where it stands, and the agent that made the write.
 */
export async function listBackoutItems(id: string, query: z.input<typeof ZItemQuery>) {
  const q = ZItemQuery.parse(query);
  const exists = await db.backout.findUnique({ where: { id }, select: { id: true } });
  if (!exists) throw notFound("Backout");
  const rows = await db.$queryRaw<
    {
      id: string;
      object: string;
      recordId: string;
      field: string | null;
      state: string;
      before: unknown;
      written: unknown;
      current: unknown;
      requestIds: string[];
      laterRequestId: string | null;
      note: string | null;
      revertRequestId: string | null;
      revertStatus: string | null;
      revertError: string | null;
      recordName: string | null;
    }[]
  >`
    select i.id, i.object, i."recordId", i.field, i.state, i.before, i.written, i.current,
      i."requestIds", i."laterRequestId", i.note, i."revertRequestId",
      r.status::text as "revertStatus", r."lastErrorMessage" as "revertError",
      (select o."recordSummary"->>'name' from "ActionRequest" o
        where o.id = i."requestIds"[1]) as "recordName"
    from "BackoutItem" i left join "ActionRequest" r on r.id = i."revertRequestId"
    where i."backoutId" = ${id}
      and (${q.state ?? null}::text is null or i.state = ${q.state ?? null})
      and (${q.after ?? null}::text is null or i.id > ${q.after ?? null})
    order by i.id
    limit ${q.limit + 1}`;
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit);
  return { items, next: more ? items[items.length - 1].id : null };
}
