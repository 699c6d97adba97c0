export { executeRequest, type TExecutionResult } from "./execute";
export { enqueueExecution, enqueueAfterCommit, getBoss, stopBoss, EXECUTE_QUEUE } from "./queue";
export { startWorker, type TWorker, type TWorkerOptions } from "./worker";
export { enqueueDueRequests, escalateOverdue, expireStale, recoverInterrupted } from "./sweep";
export { resumeHalted, resolveDeadLetter, ZDeadLetterAction } from "./operator-actions";
export {
  afterFailure,
  DEFAULT_RETRY_POLICY,
  mergeRetryPolicy,
  RETRYABLE,
  type TRetryPolicy,
} from "./retry-policy";
export {
  getDeadLetter,
  getEffectiveRetryPolicy,
  listDeadLetters,
  listHalted,
  type TDeadLetterDetail,
  type TDeadLetterRow,
  type THaltedRequest,
} from "./dead-letters";
