import "server-only";
import crypto from "node:crypto";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { oidcConfig } from "@/lib/auth/oidc";
import { hashPassword } from "@/lib/auth/password";
import { AppError } from "@/lib/core/errors";
import { db, Prisma } from "@/lib/db";
import type { TInviteUserInput } from "./user-input";

const emailTaken = () =>
  new AppError("invalid_body", "Someone with this email can already sign in", {
    errors: [{ path: "email", message: "Someone with this email can already sign in" }],
  });

/**
 * An admin invites a person with their roles. For `password`, an initial password is made here
 * and returned once (only its bcrypt hash is stored): the admin hands it over and the person
 * signs in with it on the credentials form. For `sso`, no password: the person's first single
 * sign-on finds this row by email (lib/auth/sso-sign-in.ts), refused while single sign-on is not
 * configured. Audited `user.invited`.
 */
export async function inviteUser(
  input: TInviteUserInput,
  actorId: string,
  context?: TRequestContext | null,
) {
  if (input.signIn === "sso" && !oidcConfig()) {
    // no password and no single sign-on: the person could never sign in
    const message =
      "Single sign-on is not configured (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET): invite with a password";
    throw new AppError("invalid_body", message, { errors: [{ path: "signIn", message }] });
  }
  const password =
    input.signIn === "password" ? crypto.randomBytes(15).toString("base64url") : null;
  const passwordHash = password ? await hashPassword(password) : null;
  const roles = [...new Set(input.roles)].sort();
  try {
    return await db.$transaction(async (tx) => {
      if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) {
        throw emailTaken();
      }
      const user = await tx.user.create({
        data: {
          email: input.email,
          name: input.name,
          passwordHash,
          roles: { create: roles.map((role) => ({ role, grantedById: actorId })) },
        },
        select: { id: true, email: true, name: true },
      });
      await writeAuditEvent(tx, {
        action: "user.invited",
        actor: { type: "user", userId: actorId },
        subjectId: user.id,
        reasonText: input.reason || null,
        payload: { email: user.email, name: user.name, roles, signIn: input.signIn },
        context,
      });
      return { user, signIn: input.signIn, password };
    });
  } catch (e) {
    // two admins inviting the same address at once: the unique index decides
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") throw emailTaken();
    throw e;
  }
}
