export {
  writeAuditEvent,
  auditAppendSql,
  type TAuditInput,
  type TAuditLane,
} from "./write-audit-event";
export { verifyAuditLane } from "./verify-lane";
export { hashEvent, findBrokenLink, GENESIS_HASH } from "./hash-chain";
