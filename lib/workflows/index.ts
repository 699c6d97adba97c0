export { pickWorkflowVersion, rolloutBucket, type TVersionForRollout } from "./bucket";
export {
  createDraftVersion,
  editDraftVersion,
  discardDraftVersion,
  publishCanary,
  promoteCanary,
  rollbackCanary,
  baselineOf,
  canaryOf,
  type TWorkflowActor,
} from "./versions";
export {
  listWorkflows,
  getWorkflow,
  assertVersionOf,
  type TWorkflowRow,
  type TWorkflowDetail,
} from "./read-workflows";
export {
  CANARY_STEPS,
  nextCanaryStep,
  ZChangeWindow,
  ZChangeWindows,
  ZCreateVersionInput,
  ZEditDraftInput,
  ZPublishCanaryInput,
  ZPromoteInput,
  ZRollbackInput,
  ZDiscardDraftInput,
  type TChangeWindowInput,
  type TCreateVersionInput,
  type TEditDraftInput,
} from "./workflow-schema";
export { weekGrid, widensWindows, type TWeekGrid } from "./window-calendar";
export { sweepRolledBackCanaries, SWEEP_WINDOW_MS } from "./sweep-rolled-back";
