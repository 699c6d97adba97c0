import "server-only";
import { db } from "@/lib/db";
import { AppError } from "@/lib/core/errors";
import { can } from "@/lib/auth/permissions";
import { CURRENT_USER_SELECT, toCurrentUser } from "@/lib/auth/current-user";

/**
 * The person a command-line trip or reset is made as (`tollgate kill-switch … --as <email>`):
 * an active user allowed to flip switches, as the console requires.
 */
export async function killSwitchOperator(email: string) {
  const row = await db.user.findUnique({
    where: { email: email.trim().toLowerCase() },
    select: { ...CURRENT_USER_SELECT, status: true },
  });
  if (!row || row.status !== "active") {
    throw new AppError("forbidden", `No active user "${email}"`);
  }
  const user = toCurrentUser(row);
  if (!can(user.roles, "kill_switches:write")) {
    throw new AppError(
      "forbidden",
      `${user.email} may not trip or reset kill switches (admins only)`,
    );
  }
  return user;
}
