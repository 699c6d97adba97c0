export { listUsers } from "./list-users";
export { setUserRoles } from "./set-user-roles";
export { inviteUser } from "./invite-user";
export { setUserStatus } from "./set-user-status";
export { ZUserRolesInput, type TUserRolesInput } from "./user-roles-input";
export {
  ZInviteUserInput,
  ZUserStatusInput,
  type TInviteUserInput,
  type TUserStatusInput,
} from "./user-input";
