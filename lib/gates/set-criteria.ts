import "server-only";
import { db } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { criteriaOf } from "./evaluate-gate";
import { ZPromotionCriteriaInput, type TPromotionCriteriaInput } from "./schemas";

const FIELDS = [
  "minProposals",
  "maxReversalRate",
  "maxExceptionRate",
  "anomalyFreeDays",
  "windowDays",
  "autoDemote",
] as const;

/**
 * A risk owner sets an agent's promotion criteria (per agent, so per environment). Committed
 * with its config-lane audit event (each setting before → after, and why), under the agent's
 * row lock, so two people saving at once are applied one after the other.
 */
export async function setPromotionCriteria(
  agentId: string,
  input: TPromotionCriteriaInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const { reason, ...data } = ZPromotionCriteriaInput.parse(input);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ slug: string; status: string; environmentId: string }[]>`
      SELECT slug, status::text AS status, "environmentId" FROM "Agent" WHERE id = ${agentId} FOR NO KEY UPDATE`;
    const agent = rows[0];
    if (!agent) throw notFound("Agent");
    if (agent.status === "retired") {
      throw new AppError("agent_retired", `Agent "${agent.slug}" is retired; it cannot be changed`);
    }
    const before = await criteriaOf(tx, agentId);
    const changes: Record<string, { from: number | boolean; to: number | boolean }> = {};
    for (const k of FIELDS)
      if (before[k] !== data[k]) changes[k] = { from: before[k], to: data[k] };
    if (Object.keys(changes).length === 0 && !before.isDefault) return { changed: false };
    await tx.promotionCriteria.upsert({
      where: { agentId },
      create: { agentId, ...data, updatedById: actorUserId, reason },
      update: { ...data, updatedById: actorUserId, reason },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "promotion_criteria.set",
      subjectId: agentId,
      environmentId: agent.environmentId,
      reasonText: reason,
      payload: { agent: agent.slug, changes, wasDefault: before.isDefault },
      context,
    });
    return { changed: true };
  });
}
