/**
 * The columns of a who-approves-what row beyond its action type and its conditions: the
 * seed writes them and the matrix page reads them, so both copy this one list.
 */
export type TRuleSettingKey =
  | "mode"
  | "approverRole"
  | "requiredApprovals"
  | "requireReason"
  | "requireEvidence"
  | "loggingRequired"
  | "reversible"
  | "rollbackPlan"
  | "rollbackByDelete"
  | "slaMinutes";

export function pickRuleSettings<R extends Record<TRuleSettingKey, unknown>>(
  rule: R,
): Pick<R, TRuleSettingKey> {
  return {
    mode: rule.mode,
    approverRole: rule.approverRole,
    requiredApprovals: rule.requiredApprovals,
    requireReason: rule.requireReason,
    requireEvidence: rule.requireEvidence,
    loggingRequired: rule.loggingRequired,
    reversible: rule.reversible,
    rollbackPlan: rule.rollbackPlan,
    rollbackByDelete: rule.rollbackByDelete,
    slaMinutes: rule.slaMinutes,
  };
}
