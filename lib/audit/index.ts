export {
  writeAuditEvent,
  auditAppendSql,
  auditAppendRow,
  requestSubject,
  type TAuditInput,
  type TAuditLane,
} from "./write-audit-event";
export { auditEvent, writeAuditEvents } from "./write-audit-events";
export {
  AUDIT_EVENTS,
  AUDIT_ACTIONS,
  AUDIT_LANES,
  CONTEXT_KEY,
  contextOf,
  USER_AGENT_MAX,
  type TAuditAction,
  type TAuditPayload,
  type TRequestContext,
} from "./events";
export { AUDIT_ENTRY_SELECT } from "./entry-select";
export { verifyAuditLane, type TLaneVerification } from "./verify-lane";
export {
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
  type TChainBreak,
} from "./hash-chain";
export { createSealerStep, sealLanes, sealNow, SEAL_BATCH } from "./seal";
export {
  checkExportedCheckpoints,
  latestCheckpoints,
  publishCheckpoints,
  toExport,
  type TCheckpoint,
  type TCheckpointExport,
  type TExportedCheck,
} from "./checkpoints";
export {
  DEFAULT_SIGNING_KEY_FILE,
  loadSigningKey,
  publicKeyFromPem,
  trySigningKey,
  type TPublicKey,
  type TSigningKey,
} from "./signing-key";
export { getSealingStatus, type TLaneSealing } from "./sealing-status";
export {
  filterConditions,
  listAuditEvents,
  parseAuditQuery,
  ZAuditEventQuery,
  ZAuditFilters,
  type TAuditEventQuery,
  type TAuditEventRow,
  type TAuditFilters,
  type TSealStatus,
} from "./explore";
export { verifyAuditEvent, type TEventVerification } from "./verify-event";
export { EXPORT_PAGE, openAuditExport, type TExportHeader } from "./export-lane";
