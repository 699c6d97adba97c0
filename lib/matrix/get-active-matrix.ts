import "server-only";
import { db } from "@/lib/db";
import { pickRuleSettings } from "./rule-settings";

export type TMatrixCondition = {
  name: string;
  when: string;
  mode?: string;
  approverRole?: string;
  requiredApprovals?: number;
};
export type TFieldConstraint = {
  field: string;
  allowedValues?: string[];
  min?: number;
  max?: number;
  maxRelativeChange?: number;
};

/** The active who-approves-what matrix version with its rules, in the seed's row order. */
export async function getActiveMatrix() {
  const version = await db.policyMatrixVersion.findFirst({
    where: { status: "active" },
    orderBy: { version: "desc" },
    include: {
      createdBy: { select: { name: true } },
      publishedBy: { select: { name: true } },
      rules: { include: { actionType: true } },
    },
  });
  if (!version) return null;
  const groups = await db.approverGroup.findMany({ select: { key: true, name: true } });
  const groupName = new Map(groups.map((g) => [g.key, g.name]));
  const rules = version.rules
    .map((r) => ({
      id: r.id,
      actionType: r.actionType.key,
      actionName: r.actionType.name,
      object: r.actionType.object,
      operation: r.actionType.operation,
      ...pickRuleSettings(r),
      approverName: r.approverRole ? (groupName.get(r.approverRole) ?? r.approverRole) : null,
      conditions: r.conditions as TMatrixCondition[],
      constraints: r.constraints as TFieldConstraint[],
    }))
    .sort((a, b) => ORDER.indexOf(a.actionType) - ORDER.indexOf(b.actionType));
  return {
    id: version.id,
    version: version.version,
    status: version.status,
    note: version.note,
    publishedAt: version.publishedAt,
    createdBy: version.createdBy?.name ?? null,
    publishedBy: version.publishedBy?.name ?? null,
    rules,
  };
}

const ORDER = [
  "lead.create",
  "lead.enrich",
  "lead.convert",
  "opportunity.create",
  "opportunity.change_stage",
  "opportunity.change_amount_or_close_date",
  "quote.create",
  "order.create",
];

export type TActiveMatrix = NonNullable<Awaited<ReturnType<typeof getActiveMatrix>>>;
