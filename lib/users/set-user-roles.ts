import "server-only";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import type { TRole } from "@/lib/auth/permissions";
import { AppError } from "@/lib/core/errors";
import { db, type Tx } from "@/lib/db";
import type { TUserRolesInput } from "./user-roles-input";
import { assertAnotherActiveAdmin } from "./admins";

/**
 * Set the roles a user holds in every environment (environment-scoped grants stay). The user row
 * is locked, so two admins editing at once apply one after the other; the change is audited as
 * `user.roles_changed` (config lane) with who did it. Taking `admin` from the last active admin
 * is refused: nobody could give it back from the console. With OIDC_ROLES_CLAIM set, a person
 * who signs in through SSO gets the claim's roles again at their next sign-in.
 */
export async function setUserRoles(
  userId: string,
  input: TUserRolesInput,
  actorId: string,
  context?: TRequestContext | null,
) {
  const roles = [...new Set(input.roles)].sort() as TRole[];
  return db.$transaction(async (tx: Tx) => {
    const [user] = await tx.$queryRaw<{ id: string; status: string }[]>`
      select id, status from "User" where id = ${userId} for update`;
    if (!user) throw new AppError("not_found", "No such user");
    const held = await tx.roleAssignment.findMany({
      where: { userId, environmentId: null },
      select: { role: true },
    });
    const from = [...new Set(held.map((r) => r.role as TRole))].sort();
    if (from.join() === roles.join()) return { roles, changed: false };
    if (from.includes("admin") && !roles.includes("admin")) {
      await assertAnotherActiveAdmin(tx, userId);
    }
    await tx.roleAssignment.deleteMany({
      where: { userId, environmentId: null, role: { notIn: roles } },
    });
    const missing = roles.filter((r) => !from.includes(r));
    if (missing.length) {
      await tx.roleAssignment.createMany({
        data: missing.map((role) => ({ userId, role, grantedById: actorId })),
      });
    }
    await writeAuditEvent(tx, {
      action: "user.roles_changed",
      actor: { type: "user", userId: actorId },
      subjectId: userId,
      payload: { from, to: roles, via: "console" },
      context,
    });
    return { roles, changed: true };
  });
}
