export {
  classifyFields,
  notRevertibleReason,
  planRevert,
  type TRevertField,
  type TRevertPlan,
} from "./plan-revert";
export { requestRevert, ZRevertInput, type TRevertInput } from "./request-revert";
