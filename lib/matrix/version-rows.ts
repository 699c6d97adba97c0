import "server-only";
import { Prisma, type Tx } from "@/lib/db";
import type { TDiffRule } from "./diff";
import type { TRuleSettings } from "./rule-schema";

/** The matrix version rows as versions.ts and publish-version.ts read, lock and copy them. */

export type TRuleRow = Prisma.PolicyRuleGetPayload<{ include: { actionType: true } }>;

/** A stored rule as the editor's schema types it (conditions and constraints are JSON). */
export function ruleSettingsOf(r: TRuleRow | Prisma.PolicyRuleGetPayload<object>): TRuleSettings {
  return {
    mode: r.mode,
    approverRole: r.approverRole,
    requiredApprovals: r.requiredApprovals,
    slaMinutes: r.slaMinutes,
    requireReason: r.requireReason,
    requireEvidence: r.requireEvidence,
    loggingRequired: r.loggingRequired,
    reversible: r.reversible,
    rollbackPlan: r.rollbackPlan,
    rollbackByDelete: r.rollbackByDelete,
    conditions: (r.conditions ?? []) as TRuleSettings["conditions"],
    constraints: (r.constraints ?? []) as TRuleSettings["constraints"],
  };
}

export const diffRules = (rules: TRuleRow[]): TDiffRule[] =>
  rules.map((r) => ({ actionType: r.actionType.key, ...ruleSettingsOf(r) }));

export type TLocked = {
  id: string;
  version: number;
  status: string;
  createdById: string | null;
  editorIds: string[];
  updatedAt: Date;
};

/** Locks the active version and the ones named, in version order (no deadlock between two). */
export async function lockVersions(tx: Tx, ids: string[]): Promise<TLocked[]> {
  return tx.$queryRaw<TLocked[]>`
    select id, version, status, "createdById", "editorIds", "updatedAt"
    from "PolicyMatrixVersion"
    where status = 'active' or id in (${Prisma.join(ids.length ? ids : ["-"])})
    order by version
    for update`;
}

export const rulesOf = (tx: Tx, matrixVersionId: string) =>
  tx.policyRule.findMany({ where: { matrixVersionId }, include: { actionType: true } });

export async function nextVersionNumber(tx: Tx) {
  const { _max } = await tx.policyMatrixVersion.aggregate({ _max: { version: true } });
  return (_max.version ?? 0) + 1;
}

export const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";

export function copyRule(r: TRuleRow, matrixVersionId: string): Prisma.PolicyRuleCreateManyInput {
  return {
    matrixVersionId,
    actionTypeId: r.actionTypeId,
    mode: r.mode,
    approverRole: r.approverRole,
    requiredApprovals: r.requiredApprovals,
    requireReason: r.requireReason,
    requireEvidence: r.requireEvidence,
    loggingRequired: r.loggingRequired,
    reversible: r.reversible,
    rollbackPlan: r.rollbackPlan,
    rollbackByDelete: r.rollbackByDelete,
    slaMinutes: r.slaMinutes,
    conditions: r.conditions as Prisma.InputJsonValue,
    constraints: r.constraints as Prisma.InputJsonValue,
  };
}

export const authorsOf = (v: TLocked) => [
  ...new Set([v.createdById, ...v.editorIds].filter((x): x is string => !!x)),
];

export async function namesOf(tx: Tx, ids: string[]) {
  const users = await tx.user.findMany({
    where: { id: { in: ids } },
    select: { id: true, name: true },
  });
  return ids.map((id) => users.find((u) => u.id === id)?.name ?? id);
}
