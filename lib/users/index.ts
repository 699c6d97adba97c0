export { listUsers } from "./list-users";
export { setUserRoles } from "./set-user-roles";
export { ZUserRolesInput, type TUserRolesInput } from "./user-roles-input";
