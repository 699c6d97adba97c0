export {
  closeIncident,
  listIncidentAgents,
  listIncidents,
  openManualIncident,
  setIncidentSeverity,
  type TIncident,
} from "./incidents";
export { openIncidentsFromDeadLetterBursts, openIncidentsFromDrift } from "./open-incidents";
export * from "./schemas";
