export {
  evaluateGate,
  criteriaOf,
  BREACH_MIN_SAMPLE,
  type TGate,
  type TGateCheck,
} from "./evaluate-gate";
export {
  promoteAgent,
  changePhase,
  demoteAgent,
  demoteOnBreach,
  listPhaseChanges,
  type TPhaseChangeRow,
} from "./phase-change";
export { setPromotionCriteria } from "./set-criteria";
export {
  evaluateCanaries,
  rollbackFailedCanaries,
  rollBackCanaryAsSystem,
  evaluateCanary,
  CANARY_ALPHA,
  CANARY_LOOKS,
  CANARY_MIN_TRIALS,
  LOOK_ALPHA,
  type TCanaryEvaluation,
} from "./canary";
export { runPhaseGates } from "./run-phase-gates";
export * from "./schemas";
export { getCanaryCard, type TCanaryCard } from "./canary-card";
