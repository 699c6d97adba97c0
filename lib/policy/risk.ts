/**
 * The inbox's order: riskier requests first. A request's score is fixed when it is created
 * from what the policy decided, so the inbox sorts on an indexed column.
 */
export function riskScore(r: {
  mode: string | null;
  rule: string | null;
  requiredApprovals: number;
  actionType: string | null;
  environmentSlug: string;
}): number {
  let score = 0;
  if (r.mode === "human_only") score += 40;
  // a condition raised the mode (late stage, big amount …) above the action's default
  if (r.rule && !r.rule.endsWith("/default")) score += 30;
  if (r.requiredApprovals >= 2) score += 10;
  if (r.actionType === "opportunity.change_amount_or_close_date") score += 10;
  if (r.environmentSlug === "prod") score += 10;
  return score;
}

const RISK_LABELS = [
  { min: 60, label: "high" },
  { min: 30, label: "elevated" },
  { min: 0, label: "normal" },
] as const;

export const riskLabel = (score: number) => RISK_LABELS.find((l) => score >= l.min)!.label;
