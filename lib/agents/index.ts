export { listAgents, type TAgentRow, type TGrantSummary } from "./list-agents";
