export { beat, startHeartbeat, type THeartbeat } from "./heartbeat";
export { checkHealth, type THealth } from "./check-health";
