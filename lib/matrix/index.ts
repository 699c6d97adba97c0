export {
  getActiveMatrix,
  type TActiveMatrix,
  type TMatrixCondition,
  type TFieldConstraint,
} from "./get-active-matrix";
export { pickRuleSettings, type TRuleSettingKey } from "./rule-settings";
