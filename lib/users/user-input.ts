import { z } from "zod";
import { ZUserRolesInput } from "./user-roles-input";

const ZReason = z.string().trim().max(500, "at most 500 characters");

/**
 * Invite a person (form and route). `password`: they sign in with the initial password shown
 * once to the admin who invites them; `sso`: no password, they sign in through single sign-on
 * (matched by this email) and keep the roles given here unless a roles claim replaces them.
 */
export const ZInviteUserInput = z.strictObject({
  name: z.string().trim().min(1, "Give a name").max(200),
  email: z.string().trim().toLowerCase().max(320).email("Give a valid email address"),
  roles: ZUserRolesInput.shape.roles,
  signIn: z.enum(["password", "sso"]),
  reason: ZReason.optional(),
});
export type TInviteUserInput = z.infer<typeof ZInviteUserInput>;

/** Deactivate (sessions end at once, no sign-in, no decisions) or reactivate a person. */
export const ZUserStatusInput = z.strictObject({
  status: z.enum(["active", "disabled"]),
  reason: ZReason.min(1, "Say why"),
});
export type TUserStatusInput = z.infer<typeof ZUserStatusInput>;
