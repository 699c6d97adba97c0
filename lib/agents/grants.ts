import "server-only";
import { Prisma, db, type Tx } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, invalid, notFound } from "@/lib/core/errors";
import { clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { canonicalObjectName } from "@/lib/field-ownership/object-names";
import { createGrant } from "./create-grant";
import {
  grantWidens,
  ZAddGrantInput,
  ZAttachPermissionSetInput,
  ZCreatePermissionSetInput,
  ZDetachPermissionSetInput,
  ZReplaceGrantInput,
  ZRevokeGrantInput,
  type TAddGrantInput,
  type TAttachPermissionSetInput,
  type TCreatePermissionSetInput,
  type TDetachPermissionSetInput,
  type TReplaceGrantInput,
  type TRevokeGrantInput,
} from "./schemas";

/**
 * An agent's permission sets and grants from the console. A grant is never edited in place: an
 * edit revokes it and makes a new one (the old row stays, revoked, so history shows what the
 * agent could do when). Revoking sets `revokedAt`, guarded (`where revokedAt is null`), so two
 * people revoking or editing one grant at once cannot both win: the second gets 409
 * state_changed. Anything that widens — a new grant, a wider edit, attaching a set — needs a
 * reason. Each change is one config-lane audit event in the same transaction; the policy's grant
 * cache (lib/agent-api/policy-context.ts) is cleared here at once and expires within
 * CONFIG_TTL_MS on every other instance. Grants live in sets that several agents may share: a
 * change to one is a change for each of them (the page says who shares it).
 */

const HISTORY_SHOWN = 20;

/** The agent's sets with their grants (live first, then the recently revoked), and what it could attach. */
export async function listAgentGrants(agentId: string, now = new Date()) {
  const agent = await db.agent.findUnique({
    where: { id: agentId },
    select: { id: true, environmentId: true },
  });
  if (!agent) throw notFound("Agent");
  const sets = await db.permissionSet.findMany({
    where: { environmentId: agent.environmentId },
    orderBy: { name: "asc" },
    select: {
      id: true,
      slug: true,
      name: true,
      domain: true,
      description: true,
      agents: { select: { agent: { select: { id: true, name: true } } } },
      grants: {
        orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
        take: 200,
        select: {
          id: true,
          object: true,
          operations: true,
          writableFields: true,
          recordCondition: true,
          validFrom: true,
          validUntil: true,
          reason: true,
          createdAt: true,
          revokedAt: true,
          grantedBy: { select: { name: true } },
        },
      },
    },
  });
  const mine = sets.filter((s) => s.agents.some((a) => a.agent.id === agentId));
  return {
    sets: mine.map((s) => {
      const live = s.grants.filter((g) => !g.revokedAt);
      const revoked = s.grants.filter((g) => g.revokedAt).slice(0, HISTORY_SHOWN);
      return {
        id: s.id,
        slug: s.slug,
        name: s.name,
        domain: s.domain,
        elevation: s.domain === "elevation",
        sharedWith: s.agents.filter((a) => a.agent.id !== agentId).map((a) => a.agent.name),
        grants: [...live, ...revoked].map((g) => ({
          id: g.id,
          object: g.object,
          operations: g.operations,
          fields: g.writableFields,
          recordCondition: g.recordCondition,
          validFrom: g.validFrom,
          validUntil: g.validUntil,
          reason: g.reason,
          createdAt: g.createdAt,
          revokedAt: g.revokedAt,
          grantedBy: g.grantedBy?.name ?? null,
          active:
            !g.revokedAt &&
            g.validFrom.getTime() <= now.getTime() &&
            (!g.validUntil || g.validUntil.getTime() > now.getTime()),
        })),
      };
    }),
    attachable: sets
      .filter((s) => s.domain !== "elevation" && !s.agents.some((a) => a.agent.id === agentId))
      .map((s) => ({
        id: s.id,
        name: s.name,
        slug: s.slug,
        grants: s.grants.filter((g) => !g.revokedAt).length,
      })),
  };
}
export type TAgentGrants = Awaited<ReturnType<typeof listAgentGrants>>;

type TAgentRow = { id: string; slug: string; status: string; environmentId: string };

/** The agent (not retired), its row shared-locked so a retirement committing meanwhile is seen. */
async function liveAgent(tx: Tx, agentId: string): Promise<TAgentRow> {
  const rows = await tx.$queryRaw<TAgentRow[]>`
    SELECT id, slug, status::text AS status, "environmentId" FROM "Agent" WHERE id = ${agentId} FOR SHARE`;
  const agent = rows[0];
  if (!agent) throw notFound("Agent");
  if (agent.status === "retired") {
    throw new AppError(
      "agent_retired",
      `Agent "${agent.slug}" is retired; its scope cannot change`,
    );
  }
  return agent;
}

/** One of the agent's sets (attached to it), or 404. */
async function setOfAgent(tx: Tx, agentId: string, setId: string) {
  const set = await tx.permissionSet.findFirst({
    where: { id: setId, agents: { some: { agentId } } },
    select: { id: true, slug: true, name: true, environmentId: true, domain: true },
  });
  if (!set) throw notFound("Permission set of this agent");
  return set;
}

/** One of the agent's grants (in a set attached to it), or 404. */
async function grantOfAgent(tx: Tx, agentId: string, grantId: string) {
  const g = await tx.grant.findFirst({
    where: { id: grantId, permissionSet: { agents: { some: { agentId } } } },
    include: { permissionSet: { select: { slug: true, environmentId: true } } },
  });
  if (!g) throw notFound("Grant of this agent");
  return g;
}

/** The grant's object as the action types spell it ("lead" is Lead: a grant that never matches otherwise). */
async function canonicalScope<T extends { scope: { object: string } }>(data: T): Promise<T> {
  return {
    ...data,
    scope: { ...data.scope, object: await canonicalObjectName(data.scope.object) },
  };
}

const changed = (what: string) =>
  new AppError(
    "state_changed",
    `${what} was changed by someone else since you opened it; reload to see the change`,
  );

export async function addGrant(
  agentId: string,
  input: TAddGrantInput,
  actorUserId: string,
  context?: TRequestContext | null,
  now = new Date(),
) {
  const data = await canonicalScope(ZAddGrantInput.parse(input));
  const grant = await db.$transaction(async (tx) => {
    await liveAgent(tx, agentId);
    const set = await setOfAgent(tx, agentId, data.permissionSetId);
    if (set.domain === "elevation") {
      throw invalid("An elevation set holds time-bounded grants only: use Elevate", [
        { path: "permissionSetId", message: "Choose a standing permission set" },
      ]);
    }
    const g = await createGrant(tx, {
      permissionSetId: set.id,
      scope: data.scope,
      validFrom: now,
      grantedById: actorUserId,
      reason: data.reason,
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "grant.created",
      subjectId: g.id,
      environmentId: set.environmentId,
      object: data.scope.object,
      reasonText: data.reason,
      payload: {
        permissionSet: set.slug,
        operations: data.scope.operations,
        fields: data.scope.fields,
        recordCondition: data.scope.recordCondition,
        replaces: null,
        widened: true,
      },
      context,
      at: now,
    });
    return g;
  });
  clearPolicyCaches();
  return { grantId: grant.id };
}

/** Revoke `grantId` (guarded: it must still be live) and write its audit event. */
async function revokeIn(
  tx: Tx,
  g: Awaited<ReturnType<typeof grantOfAgent>>,
  actorUserId: string,
  reason: string | null,
  replacedBy: string | null,
  context: TRequestContext | null | undefined,
  now: Date,
) {
  const { count } = await tx.grant.updateMany({
    where: { id: g.id, revokedAt: null },
    data: { revokedAt: now },
  });
  if (count !== 1) throw changed("This grant");
  const endedEarly = !!g.validUntil && g.validUntil.getTime() > now.getTime();
  await writeAuditEvent(tx, {
    actor: { type: "user", userId: actorUserId },
    action: "grant.revoked",
    subjectId: g.id,
    environmentId: g.permissionSet.environmentId,
    object: g.object,
    reasonText: reason,
    payload: {
      permissionSet: g.permissionSet.slug,
      operations: g.operations,
      fields: g.writableFields,
      recordCondition: g.recordCondition,
      validUntil: g.validUntil,
      endedEarly,
      replacedBy,
    },
    context,
    at: now,
  });
  return endedEarly;
}

/**
 * Revoke a grant — a standing one, or an elevation before its end ("end early"). An elevation
 * already over cannot be ended (409); a grant revoked meanwhile by someone else neither.
 */
export async function revokeGrant(
  agentId: string,
  grantId: string,
  input: TRevokeGrantInput,
  actorUserId: string,
  context?: TRequestContext | null,
  now = new Date(),
) {
  const data = ZRevokeGrantInput.parse(input);
  const endedEarly = await db.$transaction(async (tx) => {
    const g = await grantOfAgent(tx, agentId, grantId);
    if (g.revokedAt) throw changed("This grant");
    if (g.validUntil && g.validUntil.getTime() <= now.getTime()) {
      throw new AppError("invalid_transition", "This elevation has already ended");
    }
    return revokeIn(tx, g, actorUserId, data.reason, null, context, now);
  });
  clearPolicyCaches();
  return { revoked: true, endedEarly };
}

/**
 * Edit a grant: revoke it and make a new one with the new scope in the same set (the new one
 * keeps the old one's end, so an edited elevation still expires). A wider scope needs a reason.
 */
export async function replaceGrant(
  agentId: string,
  grantId: string,
  input: TReplaceGrantInput,
  actorUserId: string,
  context?: TRequestContext | null,
  now = new Date(),
) {
  const data = await canonicalScope(ZReplaceGrantInput.parse(input));
  const result = await db.$transaction(async (tx) => {
    await liveAgent(tx, agentId);
    const old = await grantOfAgent(tx, agentId, grantId);
    if (old.revokedAt) throw changed("This grant");
    if (old.validUntil && old.validUntil.getTime() <= now.getTime()) {
      throw new AppError("invalid_transition", "This elevation has ended; elevate again instead");
    }
    const widened = grantWidens(
      {
        object: old.object,
        operations: old.operations,
        fields: old.writableFields,
        recordCondition: old.recordCondition,
      },
      data.scope,
    );
    if (widened && (!data.reason || data.reason.length < 3)) {
      throw invalid("The new scope lets the agent do more: say why", [
        { path: "reason", message: "Say why the agent may do more (at least 3 characters)" },
      ]);
    }
    const g = await createGrant(tx, {
      permissionSetId: old.permissionSetId,
      scope: data.scope,
      validFrom: now,
      validUntil: old.validUntil,
      grantedById: actorUserId,
      reason: data.reason ?? old.reason,
    });
    await revokeIn(tx, old, actorUserId, data.reason, g.id, context, now);
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "grant.created",
      subjectId: g.id,
      environmentId: old.permissionSet.environmentId,
      object: data.scope.object,
      reasonText: data.reason,
      payload: {
        permissionSet: old.permissionSet.slug,
        operations: data.scope.operations,
        fields: data.scope.fields,
        recordCondition: data.scope.recordCondition,
        replaces: old.id,
        widened,
      },
      context,
      at: now,
    });
    return { grantId: g.id, widened };
  });
  clearPolicyCaches();
  return result;
}

/** A new, empty permission set in the agent's environment, attached to the agent. */
export async function createPermissionSet(
  agentId: string,
  input: TCreatePermissionSetInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZCreatePermissionSetInput.parse(input);
  try {
    const set = await db.$transaction(async (tx) => {
      const agent = await liveAgent(tx, agentId);
      const s = await tx.permissionSet.create({
        data: {
          slug: data.slug,
          name: data.name,
          domain: data.domain,
          description: data.description,
          environmentId: agent.environmentId,
          agents: { create: { agentId } },
        },
        select: { id: true, slug: true, environmentId: true },
      });
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: actorUserId },
        action: "permission_set.defined",
        subjectId: s.id,
        environmentId: s.environmentId,
        payload: { slug: data.slug, name: data.name, domain: data.domain },
        context,
      });
      await writeAuditEvent(tx, {
        actor: { type: "user", userId: actorUserId },
        action: "permission_set.attached",
        subjectId: s.id,
        environmentId: s.environmentId,
        payload: { slug: s.slug, agentId, agent: agent.slug, grants: 0 },
        context,
      });
      return s;
    });
    clearPolicyCaches();
    return { permissionSetId: set.id };
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw invalid(`A permission set "${data.slug}" already exists in this environment`, [
        { path: "slug", message: `"${data.slug}" is taken in this environment` },
      ]);
    }
    throw err;
  }
}

/** Attach a set of the agent's environment: every live grant in it applies to the agent. */
export async function attachPermissionSet(
  agentId: string,
  permissionSetId: string,
  input: TAttachPermissionSetInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZAttachPermissionSetInput.parse(input);
  await db.$transaction(async (tx) => {
    const agent = await liveAgent(tx, agentId);
    const set = await tx.permissionSet.findFirst({
      where: { id: permissionSetId, environmentId: agent.environmentId },
      select: {
        id: true,
        slug: true,
        domain: true,
        grants: { where: { revokedAt: null }, select: { id: true } },
      },
    });
    if (!set || set.domain === "elevation") {
      throw invalid("Choose a permission set of the agent's environment", [
        { path: "permissionSetId", message: "Not a permission set of this environment" },
      ]);
    }
    const { count } = await tx.agentPermissionSet.createMany({
      data: [{ agentId, permissionSetId: set.id }],
      skipDuplicates: true,
    });
    if (count === 0) throw changed(`The agent's permission sets (${set.slug} is attached already)`);
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "permission_set.attached",
      subjectId: set.id,
      environmentId: agent.environmentId,
      reasonText: data.reason,
      payload: { slug: set.slug, agentId, agent: agent.slug, grants: set.grants.length },
      context,
    });
  });
  clearPolicyCaches();
  return { attached: true };
}

/** Detach a set from the agent: its grants no longer apply to this agent (others keep them). */
export async function detachPermissionSet(
  agentId: string,
  permissionSetId: string,
  input: TDetachPermissionSetInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZDetachPermissionSetInput.parse(input);
  await db.$transaction(async (tx) => {
    const agent = await tx.agent.findUnique({
      where: { id: agentId },
      select: { slug: true, environmentId: true },
    });
    if (!agent) throw notFound("Agent");
    const set = await setOfAgent(tx, agentId, permissionSetId);
    const { count } = await tx.agentPermissionSet.deleteMany({
      where: { agentId, permissionSetId },
    });
    if (count !== 1) throw changed("The agent's permission sets");
    const live = await tx.grant.count({ where: { permissionSetId, revokedAt: null } });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "permission_set.detached",
      subjectId: set.id,
      environmentId: set.environmentId,
      reasonText: data.reason,
      payload: { slug: set.slug, agentId, agent: agent.slug, grants: live },
      context,
    });
  });
  clearPolicyCaches();
  return { detached: true };
}
