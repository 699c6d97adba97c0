export {
  beat,
  listInstances,
  liveInstances,
  startHeartbeat,
  type THeartbeat,
  type TInstanceRow,
  type TInstanceKind,
} from "./heartbeat";
export { startInstance, startWebInstance } from "./start-instance";
export { checkHealth, type THealth } from "./check-health";
