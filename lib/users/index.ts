export { listUsers } from "./list-users";
