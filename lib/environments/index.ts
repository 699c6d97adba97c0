export { listEnvironments } from "./list-environments";
export {
  connectorFor,
  listConnections,
  publicConnection,
  testConnection,
  updateConnection,
  ZConnectionInput,
  type TConnectionInput,
  type TPublicConnection,
} from "./salesforce-connection";
export { pointDemoEnvironmentsAt } from "./demo-sandbox";
