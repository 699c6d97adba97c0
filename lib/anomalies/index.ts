export { countAnomalies } from "./count-anomalies";
export { detectAnomalies, type TEvaluation } from "./evaluate";
export { baselineHours, loadPairFigures, type TPairFigures } from "./pair-figures";
export {
  loadRules,
  ruleFor,
  saveAnomalyRule,
  deleteAnomalyRule,
  listAnomalyRules,
  ruleChoices,
  type TRule,
  type TAnomalyRuleRow,
} from "./rules";
export {
  listAnomalies,
  unacknowledgedAnomalies,
  acknowledgeAnomaly,
  type TAnomalyRow,
} from "./list-anomalies";
export {
  buildDigest,
  sendWeeklyDigest,
  listDigests,
  lastCompleteWeek,
  type TDigest,
  type TDigestRow,
} from "./digest";
export {
  ZAnomalyRuleInput,
  DEFAULT_RULE,
  scoreWindow,
  type TAnomalyRuleInput,
  type TScore,
} from "./score";
