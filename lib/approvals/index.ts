export { decideActionRequest, ZDecisionInput, type TDecisionInput } from "./decide";
