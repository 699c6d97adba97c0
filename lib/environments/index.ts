export { listEnvironments } from "./list-environments";
