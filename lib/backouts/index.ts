export {
  figuresOf,
  MAX_BACKOUT_FIELDS,
  planBackout,
  planItems,
  ZBackoutInput,
  type TBackoutInput,
  type TItemState,
} from "./plan-backout";
export {
  advanceBackouts,
  cancelBackout,
  pauseBackout,
  progressIn,
  resumeBackout,
  startBackout,
  type TBackoutProgress,
  type TBackoutStatus,
} from "./run-backout";
export {
  getBackout,
  ITEM_STATES,
  listBackoutItems,
  listBackouts,
  ZItemQuery,
  type TBackoutSummary,
} from "./read-backouts";
