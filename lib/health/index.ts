export { beat, startHeartbeat, HEARTBEAT_MS, type THeartbeat } from "./heartbeat";
export { checkHealth, type THealth, type THealthProblem } from "./check-health";
