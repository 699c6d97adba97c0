/**
 * The policy engine (pure: no database, no framework, no clock). Services load the agent,
 * grants, the active matrix rule, the workflow version, field ownership, kill switches and
 * rate counters, then ask `evaluatePolicy` for the decision and record it.
 */
export { evaluatePolicy, DENIAL_STATUS, denialErrorCode } from "./evaluate-policy";
export {
  compileCondition,
  getCompiledCondition,
  validateCondition,
  formatValue,
  ConditionSyntaxError,
  type TCompiledCondition,
  type TConditionContext,
  type TFieldRef,
} from "./condition";
export { checkChangeWindows, type TWindowCheck } from "./change-window";
export type * from "./types";
