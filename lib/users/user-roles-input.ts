import { z } from "zod";
import { ROLES } from "@/lib/auth/permissions";

/** The roles an admin gives a person for every environment: the whole new set (form and route). */
export const ZUserRolesInput = z.strictObject({
  roles: z
    .array(z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` }))
    .max(ROLES.length)
    .refine((r) => new Set(r).size === r.length, { error: "lists a role twice" }),
});
export type TUserRolesInput = z.infer<typeof ZUserRolesInput>;
