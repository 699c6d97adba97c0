import "server-only";
import { db, type Tx } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { createGrant } from "./create-grant";
import { ZElevateAgentInput, type TElevateAgentInput } from "./schemas";

const HOUR_MS = 3_600_000;
const ELEVATIONS_SHOWN = 50;

/**
 * Time-bounded elevation: an admin gives one agent more scope for N hours. The grant goes into
 * the agent's own elevation permission set (made on first use and attached to this agent only),
 * so agents sharing a permission set are not widened with it. It expires by itself: the policy
 * ignores a grant from its `validUntil` on (lib/policy/check-scope.ts), on every instance within
 * the grant cache's second (lib/agent-api/policy-context.ts).
 */
export async function elevateAgent(
  agentId: string,
  input: TElevateAgentInput,
  actorUserId: string,
  context?: TRequestContext | null,
  now = new Date(),
) {
  const data = ZElevateAgentInput.parse(input);
  const validUntil = new Date(now.getTime() + data.hours * HOUR_MS);
  const grant = await db.$transaction(async (tx) => {
    // the agent's row is locked, so a retirement committing meanwhile is seen, and two admins
    // elevating at once make one elevation set between them
    const agent = await lockAgent(tx, agentId);
    if (agent.status === "retired") {
      throw new AppError(
        "agent_retired",
        `Agent "${agent.slug}" is retired; it cannot be elevated`,
      );
    }
    const setId = await elevationSetOf(tx, agent, now);
    const g = await createGrant(tx, {
      permissionSetId: setId,
      scope: data.scope,
      validFrom: now,
      validUntil,
      grantedById: actorUserId,
      reason: data.reason,
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "grant.elevated",
      subjectId: g.id,
      environmentId: agent.environmentId,
      object: data.scope.object,
      reasonText: data.reason,
      payload: {
        agentId: agent.id,
        agent: agent.slug,
        operations: data.scope.operations,
        fields: data.scope.fields,
        recordCondition: data.scope.recordCondition,
        hours: data.hours,
        validUntil,
      },
      context,
      at: now,
    });
    return g;
  });
  // this instance at once; the others within the cache's second
  clearPolicyCaches();
  return { grantId: grant.id, validUntil, elevations: await listElevations(agentId) };
}

async function lockAgent(tx: Tx, agentId: string) {
  const rows = await tx.$queryRaw<
    { id: string; slug: string; name: string; status: string; environmentId: string }[]
  >`SELECT id, slug, name, status::text AS status, "environmentId" FROM "Agent" WHERE id = ${agentId} FOR NO KEY UPDATE`;
  if (!rows[0]) throw notFound("Agent");
  return rows[0];
}

/** The agent's own elevation permission set: found, or made and attached to the agent. */
async function elevationSetOf(
  tx: Tx,
  agent: { id: string; slug: string; name: string; environmentId: string },
  now: Date,
) {
  const slug = `elevation-${agent.slug}`;
  const set = await tx.permissionSet.upsert({
    where: { environmentId_slug: { environmentId: agent.environmentId, slug } },
    create: {
      slug,
      environmentId: agent.environmentId,
      name: `Elevation of ${agent.name}`,
      domain: "elevation",
      description: "Time-bounded grants given to this agent alone from the console",
      createdAt: now,
    },
    update: {},
    select: { id: true },
  });
  await tx.agentPermissionSet.upsert({
    where: { agentId_permissionSetId: { agentId: agent.id, permissionSetId: set.id } },
    create: { agentId: agent.id, permissionSetId: set.id },
    update: {},
  });
  return set.id;
}

/**
 * An agent's time-bounded grants (from any of its permission sets), newest end first, with who
 * gave each and why — those ended early (revoked) too, with when. `expired` is the server's view at `now`; the page counts down from
 * `validUntil` itself.
 */
export async function listElevations(agentId: string, now = new Date()) {
  const grants = await db.grant.findMany({
    where: {
      validUntil: { not: null },
      permissionSet: { agents: { some: { agentId } } },
    },
    orderBy: [{ validUntil: "desc" }, { createdAt: "desc" }],
    take: ELEVATIONS_SHOWN,
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
      permissionSet: { select: { name: true } },
    },
  });
  return grants.map((g) => ({
    id: g.id,
    object: g.object,
    operations: g.operations,
    fields: g.writableFields,
    recordCondition: g.recordCondition,
    validFrom: g.validFrom,
    validUntil: g.validUntil!,
    reason: g.reason,
    grantedBy: g.grantedBy?.name ?? null,
    permissionSet: g.permissionSet.name,
    expired: g.validUntil!.getTime() <= now.getTime(),
    /** set when it was ended before its time (grants.ts revokeGrant) or revoked by a review */
    revokedAt: g.revokedAt,
  }));
}
export type TElevation = Awaited<ReturnType<typeof listElevations>>[number];
