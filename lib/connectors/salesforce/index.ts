export {
  SalesforceConnector,
  type TSalesforceConfig,
  type TConnectorCall,
  type TApiUsage,
  type TSfRecord,
  type TBatchResult,
} from "./connector";
export {
  ConnectorError,
  classifyError,
  publicErrorMessage,
  type TConnectorErrorClass,
} from "./errors";
export { fieldHistoryOf } from "./field-history";
