export {
  writeAuditEvent,
  auditAppendSql,
  type TAuditInput,
  type TAuditLane,
} from "./write-audit-event";
export { verifyAuditLane, type TLaneVerification } from "./verify-lane";
export {
  AUDIT_LANES,
  getAuditStatus,
  listBrokenLanes,
  runAuditVerification,
  verifyAuditOnSchedule,
  type TLaneRun,
} from "./verification";
export {
  hashEvent,
  findBrokenLink,
  compareWithHead,
  GENESIS_HASH,
  type TBreakKind,
  type TChainBreak,
} from "./hash-chain";
