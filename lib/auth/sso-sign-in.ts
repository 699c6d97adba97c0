import "server-only";
import { writeAuditEvent } from "@/lib/audit";
import { anotherActiveAdmin } from "@/lib/users/admins";
import { db, type Tx } from "@/lib/db";
import { oidcConfig, rolesFromClaim, type TOidcConfig } from "./oidc";
import type { TRole } from "./permissions";
import type { TSsoRefusal } from "./sign-in-errors";
import { createUserSession } from "./user-sessions";

export type TSsoResult =
  | { ok: true; user: { id: string; email: string; name: string }; sid: string }
  | { ok: false; code: TSsoRefusal };

const trimSlash = (s: string) => s.replace(/\/+$/, "");
const text = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : null);

/** Some providers (Cognito) send booleans as strings; anything but true is unverified. */
const isTrue = (v: unknown) => v === true || v === "true";

function displayName(claims: Record<string, unknown>, email: string) {
  const given = [text(claims.given_name), text(claims.family_name)].filter(Boolean).join(" ");
  return (text(claims.name) ?? (given || null) ?? email.split("@")[0]).slice(0, 200);
}

/**
 * A person the configured OpenID provider vouched for (the verified ID token's claims, next-auth
 * and openid-client checked signature, audience, expiry, state, PKCE and nonce). Matched to a
 * user by verified email; a first sign-in makes a user with no roles (an admin assigns them), or
 * with the roles claim's roles when OIDC_ROLES_CLAIM is set — then the claim decides the roles
 * granted for every environment on each sign-in, except that it never takes admin from the last
 * active admin. A disabled user is refused. Every decided
 * attempt is a LoginAttempt row, like a password sign-in; the session is the same UserSession.
 */
export async function signInWithOidc(
  claims: Record<string, unknown>,
  ip: string | null,
  config: TOidcConfig | null = oidcConfig(),
  now = new Date(),
): Promise<TSsoResult> {
  if (!config) throw new Error("single sign-on is not configured");
  if (typeof claims.iss !== "string" || trimSlash(claims.iss) !== trimSlash(config.issuer)) {
    return { ok: false, code: "SsoWrongIssuer" };
  }
  const email = text(claims.email)?.toLowerCase();
  if (!email || email.length > 320 || !email.includes("@"))
    return { ok: false, code: "SsoNoEmail" };
  const attempt = (success: boolean) =>
    db.loginAttempt.create({ data: { email, ip, success, createdAt: now } });
  if (!isTrue(claims.email_verified)) {
    await attempt(false);
    return { ok: false, code: "SsoEmailUnverified" };
  }

  const roles = config.rolesClaim
    ? rolesFromClaim(claims[config.rolesClaim], config.roleMap)
    : null;
  const user = await db.$transaction(async (tx: Tx) => {
    // a first sign-in twice at once: one insert wins, both then read the same row
    const created = await tx.user.createMany({
      data: [{ email, name: displayName(claims, email), passwordHash: null, createdAt: now }],
      skipDuplicates: true,
    });
    const [row] = await tx.$queryRaw<{ id: string; name: string; status: string }[]>`
      select id, name, status from "User" where email = ${email} for update`;
    if (row.status !== "active") return { ...row, email };
    const actor = { type: "system" } as const;
    if (created.count) {
      await writeAuditEvent(tx, {
        action: "user.created",
        actor,
        subjectId: row.id,
        payload: { email, via: "oidc" },
        at: now,
      });
    }
    if (roles && config.rolesClaim) await syncRoles(tx, row.id, roles, config.rolesClaim, now);
    await tx.user.update({ where: { id: row.id }, data: { lastLoginAt: now } });
    return { ...row, email };
  });
  if (user.status !== "active") {
    await attempt(false);
    return { ok: false, code: "SsoDisabled" };
  }
  await attempt(true);
  const sid = await createUserSession(user.id, ip, now);
  return { ok: true, user: { id: user.id, email: user.email, name: user.name }, sid };
}

/** The roles granted for every environment become exactly `roles`; a change is audited. */
async function syncRoles(tx: Tx, userId: string, claimed: TRole[], claim: string, now: Date) {
  const held = await tx.roleAssignment.findMany({
    where: { userId, environmentId: null },
    select: { role: true },
  });
  const from = [...new Set(held.map((r) => r.role as TRole))].sort();
  // The claim never takes admin from the last active admin (nobody could give it back from the
  // console, and a provider's group change or a lost claim would do it silently): admin is
  // kept, and the audit event says why.
  const keepAdmin =
    from.includes("admin") && !claimed.includes("admin") && !(await anotherActiveAdmin(tx, userId));
  const roles = keepAdmin ? ([...claimed, "admin"].sort() as TRole[]) : claimed;
  if (from.join() === roles.join()) return;
  await tx.roleAssignment.deleteMany({
    where: { userId, environmentId: null, role: { notIn: roles } },
  });
  const missing = roles.filter((r) => !from.includes(r));
  if (missing.length) {
    await tx.roleAssignment.createMany({
      data: missing.map((role) => ({ userId, role, createdAt: now })),
    });
  }
  await writeAuditEvent(tx, {
    action: "user.roles_changed",
    actor: { type: "system" },
    subjectId: userId,
    payload: {
      from,
      to: roles,
      via: "oidc",
      claim,
      ...(keepAdmin ? { keptAdmin: "last active admin" } : {}),
    },
    at: now,
  });
}
