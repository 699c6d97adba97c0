// Public surface of the Salesforce sandbox: a REST-compatible fake org for tests, demos
// and local development. See server.ts for the HTTP routes and cli.ts for the launcher.
export { createSandboxServer, type SandboxServer, type SandboxServerOptions } from "./server";
export { DEFAULT_SANDBOX_CREDENTIALS, type SandboxCredentials } from "./server-auth";
export {
  HUMAN_USER_ID,
  INTEGRATION_USER_ID,
  SandboxStore,
  type Clock,
  type CreateOptions,
  type LeadConversion,
  type StoreSnapshot,
  type WriteContext,
  type WriteOptions,
} from "./store";
export { readSnapshotFile, writeSnapshotFile } from "./store-snapshot";
export {
  DEMO_COUNTS,
  demoRecordIds,
  seedDemoData,
  type DemoRecordIds,
  type SeedOptions,
} from "./demo-data";
export {
  createRecordSource,
  evaluateSoql,
  type ResultRecord,
  type SoqlOptions,
  type SoqlRecordSource,
  type SoqlResult,
} from "./soql-evaluator";
export {
  SalesforceApiError,
  SoqlError,
  type SalesforceErrorBody,
  type SoqlErrorCode,
} from "./errors";
export { SANDBOX_ORG_ID, makeSalesforceId, normalizeId } from "./ids";
export { formatDate, formatDateTime, type FieldValue, type StoredRecord } from "./field-values";
export {
  describeGlobal,
  describeObject,
  getField,
  getObjectSchema,
  HISTORY_TRACKED_FIELDS,
  LEAD_STATUSES,
  OBJECT_SCHEMAS,
  OPPORTUNITY_STAGES,
  QUOTE_STATUSES,
  ORDER_STATUSES,
  type FieldSchema,
  type FieldType,
  type ObjectSchema,
} from "./schema";
export { ZFaultInput, type TFaultInput } from "./faults";
export { startPersistentSandbox, type PersistentSandbox } from "./persistent";
