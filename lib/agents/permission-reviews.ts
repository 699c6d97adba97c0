import "server-only";
import { db } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { notFound } from "@/lib/core/errors";
import { clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { ZPermissionReviewInput, type TPermissionReviewInput } from "./schemas";

const DAY_MS = 86_400_000;

/**
 * An agent's permission sets with their last review and when the next is due (overdue when
 * that is past). A set never reviewed is due now.
 */
export async function listPermissionReviews(agentId: string, now = new Date()) {
  const sets = await db.permissionSet.findMany({
    where: { agents: { some: { agentId } } },
    orderBy: { name: "asc" },
    select: {
      id: true,
      slug: true,
      name: true,
      domain: true,
      grants: { where: { revokedAt: null }, select: { id: true } },
      reviews: {
        orderBy: { reviewedAt: "desc" },
        take: 1,
        select: {
          outcome: true,
          notes: true,
          reviewedAt: true,
          nextDueAt: true,
          reviewer: { select: { name: true } },
        },
      },
    },
  });
  return sets.map((s) => {
    const last = s.reviews[0] ?? null;
    const dueAt = last?.nextDueAt ?? null;
    return {
      id: s.id,
      slug: s.slug,
      name: s.name,
      domain: s.domain,
      activeGrants: s.grants.length,
      lastReview: last && {
        outcome: last.outcome,
        notes: last.notes,
        reviewedAt: last.reviewedAt,
        reviewer: last.reviewer.name,
      },
      dueAt,
      overdue: !dueAt || dueAt.getTime() <= now.getTime(),
    };
  });
}
export type TPermissionReviewRow = Awaited<ReturnType<typeof listPermissionReviews>>[number];

/**
 * Record a review of one of the agent's permission sets. Revoking revokes every live grant in
 * the set — for every agent that shares it — at once here and within the grant cache's second
 * elsewhere. The set's row is locked, so two reviews at once are recorded one after the other.
 */
export async function reviewPermissionSet(
  agentId: string,
  permissionSetId: string,
  input: TPermissionReviewInput,
  actorUserId: string,
  context?: TRequestContext | null,
  now = new Date(),
) {
  const data = ZPermissionReviewInput.parse(input);
  await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; slug: string; environmentId: string }[]>`
      SELECT s.id, s.slug, s."environmentId" FROM "PermissionSet" s
      JOIN "AgentPermissionSet" ap ON ap."permissionSetId" = s.id AND ap."agentId" = ${agentId}
      WHERE s.id = ${permissionSetId} FOR UPDATE OF s`;
    const set = rows[0];
    if (!set) throw notFound("Permission set of this agent");
    const revoked =
      data.outcome === "revoked"
        ? (
            await tx.grant.updateMany({
              where: { permissionSetId: set.id, revokedAt: null },
              data: { revokedAt: now },
            })
          ).count
        : 0;
    const nextDueAt = new Date(now.getTime() + data.nextDueInDays * DAY_MS);
    await tx.permissionReview.create({
      data: {
        permissionSetId: set.id,
        reviewerId: actorUserId,
        outcome: data.outcome,
        notes: data.notes,
        reviewedAt: now,
        nextDueAt,
      },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "permission_set.reviewed",
      subjectId: set.id,
      environmentId: set.environmentId,
      reasonText: data.notes,
      payload: { slug: set.slug, outcome: data.outcome, grantsRevoked: revoked, nextDueAt },
      context,
      at: now,
    });
  });
  clearPolicyCaches();
  return { reviews: await listPermissionReviews(agentId) };
}
