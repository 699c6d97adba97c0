export {
  checkTransition,
  STATUSES,
  TERMINAL,
  TRANSITIONS,
  type TActorKind,
  type TStatus,
} from "./transitions";
export { transitionRequest } from "./transition-request";
export { transitionRequests, type TMove } from "./transition-requests";
export { lockActionRequest } from "./lock";
