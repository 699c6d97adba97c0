export {
  checkTransition,
  STATUSES,
  TERMINAL,
  TRANSITIONS,
  type TActorKind,
  type TStatus,
} from "./transitions";
export { transitionRequest } from "./transition-request";
export { lockActionRequest } from "./lock";
