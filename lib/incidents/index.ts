export {
  closeIncident,
  listIncidentAgents,
  listIncidents,
  openManualIncident,
  setIncidentSeverity,
  type TIncident,
} from "./incidents";
export {
  openIncidentsFromAnomalies,
  openIncidentsFromDeadLetterBursts,
  openIncidentsFromDrift,
} from "./open-incidents";
export * from "./schemas";
