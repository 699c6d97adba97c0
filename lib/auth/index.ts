export { authOptions } from "./options";
export {
  getCurrentUser,
  redirectToSignIn,
  requirePage,
  requireUser,
  type TCurrentUser,
} from "./session";
export { safeCallbackPath } from "./callback-url";
export { revokeUserSession } from "./user-sessions";
export { can, PERMISSIONS, ROLES, ROLE_LABELS, type TPermission, type TRole } from "./permissions";
export { hashPassword, verifyPassword } from "./password";
