import "server-only";
import type { Prisma } from "@/lib/db";
import type { TPolicyRule } from "@/lib/policy";

export type TRuleRow = Prisma.PolicyRuleGetPayload<{ include: { actionType: true } }>;

/** A matrix row as the policy engine decides with it (the agent API's cache and the simulation). */
export function toPolicyRule(r: TRuleRow): TPolicyRule {
  return {
    actionType: r.actionType.key,
    mode: r.mode,
    approverRole: r.approverRole,
    requiredApprovals: r.requiredApprovals,
    requireReason: r.requireReason,
    requireEvidence: r.requireEvidence,
    reversible: r.reversible,
    slaMinutes: r.slaMinutes,
    conditions: r.conditions as unknown as TPolicyRule["conditions"],
    constraints: r.constraints as unknown as TPolicyRule["constraints"],
  };
}
