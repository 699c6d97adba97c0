export { listAgents, type TAgentRow, type TGrantSummary } from "./list-agents";
export { getAgent, type TAgentDetail } from "./get-agent";
export {
  createAgentKey,
  listAgentKeys,
  revokeAgentKey,
  rotateAgentKeys,
  ZCreateAgentKeyInput,
  ZRevokeAgentKeyInput,
  ZRotateAgentKeysInput,
  type TAgentKey,
} from "./agent-keys";
export { keyState, type TKeyState } from "./key-state";
export { authenticateApiKey, type TAuthenticatedAgent } from "./api-keys";
export { elevateAgent, listElevations, type TElevation } from "./elevate-agent";
export { ZElevateAgentInput, ZGrantScope, type TElevateAgentInput } from "./schemas";
export {
  changeAgentStatus,
  createAgent,
  listOwnerOptions,
  updateAgent,
  type TOwnerOption,
} from "./agent-lifecycle";
export { ZAgentStatusInput, ZCreateAgentInput, ZUpdateAgentInput } from "./schemas";
export {
  listPermissionReviews,
  reviewPermissionSet,
  type TPermissionReviewRow,
} from "./permission-reviews";
export { ZPermissionReviewInput } from "./schemas";
export {
  addGrant,
  attachPermissionSet,
  createPermissionSet,
  detachPermissionSet,
  listAgentGrants,
  replaceGrant,
  revokeGrant,
  type TAgentGrants,
} from "./grants";
export {
  ZAddGrantInput,
  ZAttachPermissionSetInput,
  ZCreatePermissionSetInput,
  ZDetachPermissionSetInput,
  ZReplaceGrantInput,
  ZRevokeGrantInput,
} from "./schemas";
