import "server-only";
import { Prisma, db, type Tx } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, invalid, notFound } from "@/lib/core/errors";
import { clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { describedFieldNames } from "@/lib/agent-api/field-types";
import { ConnectorError } from "@/lib/connectors/salesforce";
import { listEnvironments } from "@/lib/environments";
import { canonicalFieldName, canonicalObjectName } from "./object-names";
import {
  HUMANS,
  ZCreateFieldOwnershipInput,
  ZDeleteFieldOwnershipInput,
  ZUpdateFieldOwnershipInput,
  widenings,
  type TConflictRuleName,
  type TCreateFieldOwnershipInput,
  type TDeleteFieldOwnershipInput,
  type TUpdateFieldOwnershipInput,
} from "./schemas";

/**
 * Field ownership from the console: who may write each object's field (agents by slug,
 * integrations, "humans"), its conflict rule, yield and freshness SLA. The gateway
 * (lib/policy/check-gates.ts, `field_owned_elsewhere`) and the executor (lib/execution/
 * field-rules.ts) read the rows through the agent API's configuration cache: a change is used at
 * once on this instance (clearPolicyCaches) and within CONFIG_TTL_MS on every other. Edits and
 * deletes lock the row and compare its `updatedAt` with the one the form was opened with, so of
 * two people editing one row at once the second is refused (409 state_changed), not lost.
 * A change that lets agents write more needs a reason (`widenings`); each is audited in the
 * config lane with its before and after.
 */

type TRow = {
  id: string;
  object: string;
  field: string;
  systemOfRecord: string;
  allowedWriters: string[];
  conflictRule: TConflictRuleName;
  yieldHours: number | null;
  freshnessSlaMinutes: number | null;
  ownerUserId: string | null;
  updatedAt: Date;
};

/** Every row with its owner's name, and what the form offers to choose from. */
export async function listFieldOwnership() {
  const [rows, agents, users, actionTypes] = await Promise.all([
    db.fieldOwnership.findMany({
      orderBy: [{ object: "asc" }, { field: "asc" }],
      include: { owner: { select: { name: true } } },
    }),
    db.agent.findMany({
      where: { status: { not: "retired" } },
      select: { slug: true, name: true },
      orderBy: { slug: "asc" },
    }),
    db.user.findMany({
      where: { status: "active" },
      select: { id: true, name: true }, // names only: every role reads this list
      orderBy: { name: "asc" },
    }),
    db.actionType.findMany({ select: { object: true } }),
  ]);
  const agentNames = new Map<string, string>();
  for (const a of agents) if (!agentNames.has(a.slug)) agentNames.set(a.slug, a.name);
  const integrations = [
    ...new Set(
      rows.flatMap((r) => r.allowedWriters).filter((w) => w !== HUMANS && !agentNames.has(w)),
    ),
  ].sort();
  return {
    rows: rows.map((r) => ({
      id: r.id,
      object: r.object,
      field: r.field,
      systemOfRecord: r.systemOfRecord,
      allowedWriters: r.allowedWriters,
      conflictRule: r.conflictRule as TConflictRuleName,
      yieldHours: r.yieldHours,
      freshnessSlaMinutes: r.freshnessSlaMinutes,
      ownerUserId: r.ownerUserId,
      owner: r.owner?.name ?? null,
      updatedAt: r.updatedAt,
    })),
    writers: {
      agents: [...agentNames].map(([slug, name]) => ({ slug, name })),
      integrations,
    },
    owners: users,
    objects: [
      ...new Set([...actionTypes.map((a) => a.object), ...rows.map((r) => r.object)]),
    ].sort(),
  };
}
export type TFieldOwnershipList = Awaited<ReturnType<typeof listFieldOwnership>>;

/**
 * The object and field must exist: Salesforce's describe (the agent API's 10-minute cache) in
 * the first environment that answers. When none answers, the objects Tollgate acts on stand in
 * (the field name is then only checked for its form).
 */
async function checkKnownField(
  typedObject: string,
  typedField: string,
): Promise<{ object: string; field: string }> {
  const object = await canonicalObjectName(typedObject);
  for (const env of await listEnvironments()) {
    let names: Set<string>;
    try {
      names = await describedFieldNames(env.slug, object);
    } catch (e) {
      if (e instanceof ConnectorError && e.errorClass === "not_found") {
        throw invalid(`Salesforce has no object "${object}"`, [
          { path: "object", message: `Salesforce has no object "${object}"` },
        ]);
      }
      continue;
    }
    const field = canonicalFieldName(typedField, names);
    if (!field) {
      throw invalid(`${object} has no field "${typedField}"`, [
        { path: "field", message: `${object} has no field "${typedField}" in Salesforce` },
      ]);
    }
    return { object, field };
  }
  const known = await db.actionType.findFirst({ where: { object }, select: { id: true } });
  if (!known) {
    throw invalid(`Unknown object "${object}"`, [
      {
        path: "object",
        message: `Salesforce could not be read, and no action type acts on "${object}"`,
      },
    ]);
  }
  return { object, field: typedField };
}

async function checkOwner(tx: Tx, ownerUserId: string | null) {
  if (!ownerUserId) return;
  const u = await tx.user.findUnique({ where: { id: ownerUserId }, select: { status: true } });
  if (!u || u.status !== "active") {
    throw invalid("The owner must be an active user", [
      { path: "ownerUserId", message: "Choose an active user" },
    ]);
  }
}

/** Every agent slug (any environment, any status): a writer that is one is an agent. */
async function agentSlugs(tx: Tx) {
  const agents = await tx.agent.findMany({ select: { slug: true } });
  return new Set(agents.map((a) => a.slug));
}

function requireReason(widened: string[], reason: string | null) {
  if (widened.length && (!reason || reason.length < 3)) {
    throw invalid(`This change lets agents write more (${widened.join("; ")}): say why`, [
      { path: "reason", message: "Say why agents may write more (at least 3 characters)" },
    ]);
  }
}

const settingsOf = (r: Omit<TRow, "id" | "object" | "field" | "updatedAt">) => ({
  systemOfRecord: r.systemOfRecord,
  allowedWriters: r.allowedWriters,
  conflictRule: r.conflictRule,
  yieldHours: r.yieldHours,
  freshnessSlaMinutes: r.freshnessSlaMinutes,
  ownerUserId: r.ownerUserId,
});

export async function createFieldOwnership(
  input: TCreateFieldOwnershipInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const typed = ZCreateFieldOwnershipInput.parse(input);
  // stored as Salesforce and the action types spell them, or the gateway would never match it
  const data = { ...typed, ...(await checkKnownField(typed.object, typed.field)) };
  try {
    const row = await db.$transaction(async (tx) => {
      await checkOwner(tx, data.ownerUserId);
      const agents = await agentSlugs(tx);
      const widened = widenings(null, settingsOf(data), (w) => agents.has(w));
      requireReason(widened, data.reason ?? null);
      const created = await tx.fieldOwnership.create({
        data: { object: data.object, field: data.field, ...settingsOf(data) },
      });
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: actorUserId },
        action: "field_ownership.created",
        subjectId: created.id,
        object: data.object,
        reasonText: data.reason,
        payload: {
          object: data.object,
          field: data.field,
          before: null,
          after: settingsOf(data),
          widened,
        },
        context,
      });
      return created;
    });
    clearPolicyCaches();
    return { id: row.id, updatedAt: row.updatedAt };
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw invalid(`${data.object}.${data.field} already has an ownership row; edit it`, [
        { path: "field", message: `${data.object}.${data.field} already has an owner` },
      ]);
    }
    throw err;
  }
}

async function lockRow(tx: Tx, id: string, expectedUpdatedAt: string) {
  const rows = await tx.$queryRaw<TRow[]>`
    SELECT id, object, field, "systemOfRecord", "allowedWriters", "conflictRule"::text AS "conflictRule",
      "yieldHours", "freshnessSlaMinutes", "ownerUserId", "updatedAt"
    FROM "FieldOwnership" WHERE id = ${id} FOR UPDATE`;
  const row = rows[0];
  if (!row) throw notFound("Field ownership row");
  if (row.updatedAt.getTime() !== new Date(expectedUpdatedAt).getTime()) {
    throw new AppError(
      "state_changed",
      `Someone else changed ${row.object}.${row.field} since you opened the form; reload to see their change`,
    );
  }
  return row;
}

export async function updateFieldOwnership(
  id: string,
  input: TUpdateFieldOwnershipInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZUpdateFieldOwnershipInput.parse(input);
  const result = await db.$transaction(async (tx) => {
    const row = await lockRow(tx, id, data.expectedUpdatedAt);
    const before = settingsOf(row);
    const after = settingsOf(data);
    if (JSON.stringify(before) === JSON.stringify(after)) return { changed: false, row };
    if (data.ownerUserId !== row.ownerUserId) await checkOwner(tx, data.ownerUserId);
    const agents = await agentSlugs(tx);
    const widened = widenings(before, after, (w) => agents.has(w));
    requireReason(widened, data.reason);
    // updatedAt set by hand: the next form's precondition must move even within a millisecond
    const updated = await tx.fieldOwnership.update({
      where: { id },
      data: { ...after, updatedAt: new Date(Math.max(Date.now(), row.updatedAt.getTime() + 1)) },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "field_ownership.updated",
      subjectId: id,
      object: row.object,
      reasonText: data.reason,
      payload: { object: row.object, field: row.field, before, after, widened },
      context,
    });
    return { changed: true, row: updated };
  });
  if (result.changed) clearPolicyCaches();
  return { changed: result.changed, updatedAt: result.row.updatedAt };
}

export async function deleteFieldOwnership(
  id: string,
  input: TDeleteFieldOwnershipInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZDeleteFieldOwnershipInput.parse(input);
  await db.$transaction(async (tx) => {
    const row = await lockRow(tx, id, data.expectedUpdatedAt);
    const before = settingsOf(row);
    await tx.fieldOwnership.delete({ where: { id } });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "field_ownership.deleted",
      subjectId: id,
      object: row.object,
      reasonText: data.reason,
      payload: {
        object: row.object,
        field: row.field,
        before,
        after: null,
        widened: widenings(before, null, () => true),
      },
      context,
    });
  });
  clearPolicyCaches();
  return { deleted: true };
}
