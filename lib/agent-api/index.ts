export { createActionRequest } from "./create-action-request";
export { getActionRequest } from "./get-action-request";
export { describeAgent } from "./describe-agent";
export { openApiDocument } from "./openapi";
export { clearPolicyCaches } from "./policy-context";
export {
  ZActionRequestInput,
  ZActionRequestResponse,
  ZGetQuery,
  MAX_BODY_BYTES,
  type TActionRequestInput,
  type TActionRequestResponse,
} from "./contract";
