export { listEnvironments, sortEnvironments } from "./list-environments";
export {
  CONNECTION_KINDS,
  connectorFor,
  listConnections,
  publicConnection,
  testConnection,
  updateConnection,
  ZConnectionInput,
  type TConnectionInput,
  type TConnectionKind,
  type TPublicConnection,
} from "./salesforce-connection";
export { pointDemoEnvironmentsAt } from "./demo-sandbox";
