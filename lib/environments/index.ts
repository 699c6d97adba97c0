export { listEnvironments, sortEnvironments } from "./list-environments";
export {
  connectorFor,
  listConnections,
  testConnection,
  updateConnection,
  ZConnectionInput,
  type TConnectionInput,
  type TConnectionKind,
  type TPublicConnection,
} from "./salesforce-connection";
export { pointDemoEnvironmentsAt } from "./demo-sandbox";
