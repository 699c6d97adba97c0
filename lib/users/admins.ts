import "server-only";
import { AppError } from "@/lib/core/errors";
import type { Tx } from "@/lib/db";

/**
 * Refuse a change that would leave no active admin (nobody could give admin back from the
 * console). Every door that takes admin away — the role edit, deactivation, a single sign-on's
 * roles claim (which keeps admin instead, `anotherActiveAdmin`) — calls this first
 * in its transaction: a transaction-wide advisory lock puts them in one line, and the count is
 * read after the lock, in a fresh snapshot, so two admins demoting or deactivating each other
 * at once are decided one after the other and cannot both pass. (Row locks alone would not do:
 * a deactivation changes the User row, which a waiting demotion's snapshot would not see.)
 */
export async function assertAnotherActiveAdmin(tx: Tx, userId: string) {
  if (!(await anotherActiveAdmin(tx, userId))) {
    throw new AppError(
      "state_changed",
      "This is the last active admin: make someone else admin first",
    );
  }
}

/**
 * Whether someone other than `userId` is an active admin, decided in the line of admin changes
 * (the advisory lock, then a fresh count). For a door that must not refuse — a single sign-on
 * keeps the last admin's admin role instead of failing the sign-in.
 */
export async function anotherActiveAdmin(tx: Tx, userId: string) {
  await tx.$executeRaw`select pg_advisory_xact_lock(${ADMINS_LOCK})`;
  const admins = await tx.$queryRaw<{ userId: string }[]>`
    select distinct ra."userId" from "RoleAssignment" ra join "User" u on u.id = ra."userId"
    where ra.role = 'admin' and ra."environmentId" is null and u.status = 'active'`;
  return admins.some((a) => a.userId !== userId);
}

/** The advisory lock key of "who is admin" changes (an arbitrary constant, ours alone). */
const ADMINS_LOCK = 7_401_113_001n;
