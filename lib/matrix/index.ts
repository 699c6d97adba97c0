export {
  getActiveMatrix,
  type TActiveMatrix,
  type TMatrixCondition,
  type TFieldConstraint,
} from "./get-active-matrix";
export { pickRuleSettings, type TRuleSettingKey } from "./rule-settings";
export { createDraft, updateDraftRule, discardDraft, ruleSettingsOf } from "./versions";
export { publishDraft, rollbackTo } from "./publish-version";
export {
  listMatrixVersions,
  getMatrixVersion,
  type TMatrixVersionRow,
  type TMatrixVersionDetail,
} from "./read-versions";
export { simulateDraft, outcomeChange, type TSimulation } from "./simulate";
export { diffMatrix, diffRule, type TRuleDiff, type TSettingChange } from "./diff";
export {
  ZRuleSettings,
  ZCreateDraftInput,
  ZPublishInput,
  ZRollbackInput,
  ZDiscardInput,
  ZConditionText,
  APPROVAL_MODES,
  MODE_LABELS,
  type TRuleSettings,
  type TRuleSettingsInput,
} from "./rule-schema";
