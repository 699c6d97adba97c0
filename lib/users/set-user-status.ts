import "server-only";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError } from "@/lib/core/errors";
import { db } from "@/lib/db";
import { assertAnotherActiveAdmin } from "./admins";
import type { TUserStatusInput } from "./user-input";

/**
 * Deactivate or reactivate a person. Deactivation ends every session of theirs in the same
 * transaction (each door checks the UserSession row and the user's status:
 * lib/auth/user-sessions.ts), and from then on they cannot sign in (password or SSO) or decide
 * (lib/approvals/decide.ts reads their status under a share lock, so a decision racing the
 * deactivation is decided before it or refused after it). The last active admin cannot be
 * deactivated (`assertAnotherActiveAdmin`, the same check as the role edit), nor can an admin
 * deactivate themselves. Audited `user.deactivated` / `user.reactivated` with the reason.
 */
export async function setUserStatus(
  userId: string,
  input: TUserStatusInput,
  actorId: string,
  context?: TRequestContext | null,
) {
  return db.$transaction(async (tx) => {
    const [user] = await tx.$queryRaw<{ id: string; email: string; status: string }[]>`
      select id, email, status from "User" where id = ${userId} for update`;
    if (!user) throw new AppError("not_found", "No such user");
    if (user.status === input.status) {
      throw new AppError(
        "state_changed",
        input.status === "active"
          ? "This person is active already"
          : "This person is deactivated already",
      );
    }
    if (input.status === "active") {
      await tx.user.update({ where: { id: userId }, data: { status: "active" } });
      await writeAuditEvent(tx, {
        action: "user.reactivated",
        actor: { type: "user", userId: actorId },
        subjectId: userId,
        reasonText: input.reason,
        payload: { email: user.email },
        context,
      });
      return { status: "active" as const, sessionsEnded: 0 };
    }
    if (userId === actorId) {
      throw new AppError("forbidden", "You cannot deactivate yourself: ask another admin");
    }
    const admin = await tx.roleAssignment.count({
      where: { userId, role: "admin", environmentId: null },
    });
    if (admin) await assertAnotherActiveAdmin(tx, userId);
    await tx.user.update({ where: { id: userId }, data: { status: "disabled" } });
    const ended = await tx.userSession.updateMany({
      where: { userId, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { revokedAt: new Date() },
    });
    await writeAuditEvent(tx, {
      action: "user.deactivated",
      actor: { type: "user", userId: actorId },
      subjectId: userId,
      reasonText: input.reason,
      payload: { email: user.email, sessionsEnded: ended.count },
      context,
    });
    return { status: "disabled" as const, sessionsEnded: ended.count };
  });
}
