export { authOptions } from "./options";
export { getCurrentUser, requirePage, requireUser, type TCurrentUser } from "./session";
export { can, PERMISSIONS, ROLES, ROLE_LABELS, type TPermission, type TRole } from "./permissions";
export { hashPassword, verifyPassword } from "./password";
