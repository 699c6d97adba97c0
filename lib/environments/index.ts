export { listEnvironments, sortEnvironments } from "./list-environments";
export {
  cachedConnectorFor,
  connectorFor,
  ENVIRONMENT_CACHE_MS,
  forgetEnvironments,
  listConnections,
  testConnection,
  updateConnection,
  ZConnectionInput,
  type TConnectionInput,
  type TConnectionKind,
  type TPublicConnection,
} from "./salesforce-connection";
export { pointDemoEnvironmentsAt } from "./demo-sandbox";
