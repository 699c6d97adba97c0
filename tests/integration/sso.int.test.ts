import crypto from "node:crypto";
import type { AuthOptions } from "next-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedUser } from "@/lib/seed/seed-helpers";
import { startOidcProvider, type TTestOidcProvider } from "./fixtures/oidc-provider";
import {
  consoleClient,
  finishSignIn,
  loginAtProvider,
  sessionOf,
  startSignIn,
} from "./fixtures/sso-flow";

// Single sign-on end to end: next-auth's real handler against a real OpenID provider
// (oidc-provider on 127.0.0.1). Nothing about the protocol is mocked.

const ORIGIN = "http://localhost:3999";
const CALLBACK = `${ORIGIN}/api/auth/callback/oidc`;
const CLIENT = {
  clientId: "tollgate",
  clientSecret: "tollgate-test-secret",
  redirectUris: [CALLBACK],
};
// another application registered at the same provider (its codes and tokens are not ours)
const OTHER = { clientId: "other-app", clientSecret: "other-secret", redirectUris: [CALLBACK] };

let idp: TTestOidcProvider;
let options: AuthOptions;
const unique = () => crypto.randomBytes(4).toString("hex");
const client = () => consoleClient(options, ORIGIN);
// a refused callback: next-auth's error route, which sends the browser to the sign-in page
const FAILED = `${ORIGIN}/api/auth/error?error=OAuthCallback`;

/** A whole sign-in as `email`: where the console sends the browser at the end. */
async function signInAs(email: string, c = client()) {
  const authorize = await startSignIn(c);
  const back = await loginAtProvider(authorize, idp.issuer, email);
  return { c, res: await finishSignIn(c, back) };
}

const rolesOf = async (userId: string) =>
  (await db.roleAssignment.findMany({ where: { userId }, select: { role: true } }))
    .map((r) => r.role)
    .sort();

beforeAll(async () => {
  idp = await startOidcProvider({ clients: [CLIENT, OTHER] });
  process.env.NEXTAUTH_URL = ORIGIN;
  process.env.NEXTAUTH_SECRET = "sso-integration-secret";
  process.env.OIDC_ISSUER = idp.issuer;
  process.env.OIDC_CLIENT_ID = CLIENT.clientId;
  process.env.OIDC_CLIENT_SECRET = CLIENT.clientSecret;
  process.env.OIDC_NAME = "Test IdP";
  process.env.OIDC_ROLES_CLAIM = "tollgate_roles";
  process.env.OIDC_ROLE_MAP = "revops-approvers=approver";
  // read at import: the provider list is built from OIDC_*
  ({ authOptions: options } = await import("@/lib/auth/options"));
});

afterAll(async () => {
  for (const name of Object.keys(process.env))
    if (name.startsWith("OIDC_")) delete process.env[name];
  await idp?.close();
});

describe("single sign-on through OpenID Connect", () => {
  it("makes a first-time user with the claim's roles, ignoring unknown values", async () => {
    const email = `sso-${unique()}@tollgate.test`;
    idp.setAccount({
      email,
      email_verified: true,
      name: "Sam Sso",
      roles: ["ops_owner", "revops-approvers", "superuser", "ADMIN"],
    });
    const { c, res } = await signInAs(email);
    expect(res.redirect).toBe(`${ORIGIN}/inbox`);
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    expect(user).toMatchObject({ name: "Sam Sso", passwordHash: null, status: "active" });
    expect(await rolesOf(user.id)).toEqual(["approver", "ops_owner"]);
    // the same server-side session as a password sign-in
    const session = await sessionOf(c);
    expect(session.user?.id).toBe(user.id);
    const row = await db.userSession.findUniqueOrThrow({ where: { id: session.user!.sid } });
    expect(row).toMatchObject({ userId: user.id, revokedAt: null });
    expect(await db.loginAttempt.count({ where: { email, success: true } })).toBe(1);
    const audit = await db.auditEvent.findMany({
      where: { subjectId: user.id },
      orderBy: { id: "asc" },
      select: { action: true, lane: true, payload: true },
    });
    expect(audit.map((a) => [a.lane, a.action])).toEqual([
      ["config", "user.created"],
      ["config", "user.roles_changed"],
    ]);
    expect(audit[1].payload).toMatchObject({ from: [], to: ["approver", "ops_owner"] });
    // no password: the password form refuses every guess for this account
    const { signInWithPassword } = await import("@/lib/auth/sign-in");
    expect(await signInWithPassword(email, "", null)).toMatchObject({ ok: false });
    expect(await signInWithPassword(email, "anything", null)).toEqual({
      ok: false,
      message: "Wrong email or password.",
    });

    // sign-out ends it on the server: a copy of the cookie stops working
    const copy = client();
    for (const [k, v] of c.jar.cookies) copy.jar.cookies.set(k, v);
    const csrf = (await c.call("csrf")).body as { csrfToken: string };
    await c.call("signout", { method: "POST", body: { csrfToken: csrf.csrfToken } });
    expect((await db.userSession.findUniqueOrThrow({ where: { id: row.id } })).revokedAt).not.toBe(
      null,
    );
    expect((await sessionOf(copy)).user).toBeUndefined();
  });

  it("matches an existing user by email: same id, the claim decides the roles", async () => {
    await seedUser(db, { roles: ["admin"] }); // someone else stays admin
    const u = await seedUser(db, { roles: ["admin", "viewer"] });
    idp.setAccount({ email: u.email.toUpperCase(), email_verified: true, roles: ["risk_owner"] });
    const { c, res } = await signInAs(u.email.toUpperCase());
    expect(res.redirect).toBe(`${ORIGIN}/inbox`);
    expect((await sessionOf(c)).user?.id).toBe(u.id);
    expect(await db.user.count({ where: { email: u.email } })).toBe(1);
    expect(await rolesOf(u.id)).toEqual(["risk_owner"]);
    // the password still works for a user who had one
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).passwordHash).not.toBeNull();

    // a missing claim grants nothing: the IdP took every role away
    idp.setAccount({ email: u.email.toUpperCase(), email_verified: true });
    await signInAs(u.email.toUpperCase());
    expect(await rolesOf(u.id)).toEqual([]);
  });

  it("never takes admin from the last active admin: admin is kept and the audit event says why", async () => {
    const u = await seedUser(db, { roles: ["admin"] });
    const others = await db.user.findMany({
      where: { id: { not: u.id }, status: "active", roles: { some: { role: "admin" } } },
      select: { id: true },
    });
    const ids = others.map((o) => o.id);
    await db.user.updateMany({ where: { id: { in: ids } }, data: { status: "disabled" } });
    try {
      idp.setAccount({ email: u.email, email_verified: true, roles: ["risk_owner"] });
      const { c } = await signInAs(u.email);
      expect((await sessionOf(c)).user?.id).toBe(u.id);
      expect(await rolesOf(u.id)).toEqual(["admin", "risk_owner"]);
      const event = await db.auditEvent.findFirstOrThrow({
        where: { action: "user.roles_changed", subjectId: u.id },
        orderBy: { createdAt: "desc" },
      });
      expect(event.payload).toMatchObject({
        from: ["admin"],
        to: ["admin", "risk_owner"],
        keptAdmin: "last active admin",
      });
    } finally {
      await db.user.updateMany({ where: { id: { in: ids } }, data: { status: "active" } });
    }
    // with another admin active again, the claim decides
    await signInAs(u.email);
    expect(await rolesOf(u.id)).toEqual(["risk_owner"]);
  });

  it.each([false, "false", undefined])(
    "refuses an email the provider has not verified (email_verified %s)",
    async (verified) => {
      const email = `unverified-${unique()}@tollgate.test`;
      const existing = await seedUser(db, { email, roles: ["admin"] });
      idp.setAccount({ email, email_verified: verified as boolean, roles: ["admin"] });
      const { c, res } = await signInAs(email);
      expect(res.redirect).toBe("/login?error=SsoEmailUnverified");
      expect((await sessionOf(c)).user).toBeUndefined();
      expect(await db.userSession.count({ where: { userId: existing.id } })).toBe(0);
      expect(await db.loginAttempt.count({ where: { email, success: false } })).toBe(1);

      const stranger = `unverified-new-${unique()}@tollgate.test`;
      idp.setAccount({ email: stranger, email_verified: verified as boolean, roles: ["admin"] });
      await signInAs(stranger);
      expect(await db.user.count({ where: { email: stranger } })).toBe(0);
    },
  );

  it("refuses a deactivated user, and ends a live session when the user is deactivated", async () => {
    const u = await seedUser(db, { roles: ["viewer"] });
    idp.setAccount({ email: u.email, email_verified: true, roles: ["viewer"] });
    const { c } = await signInAs(u.email);
    expect((await sessionOf(c)).user?.id).toBe(u.id);

    await db.user.update({ where: { id: u.id }, data: { status: "disabled" } });
    expect((await sessionOf(c)).user).toBeUndefined();
    const again = await signInAs(u.email);
    expect(again.res.redirect).toBe("/login?error=SsoDisabled");
    expect((await sessionOf(again.c)).user).toBeUndefined();
    expect(await db.userSession.count({ where: { userId: u.id } })).toBe(1);
    // the claim did not touch a disabled account's roles
    expect(await rolesOf(u.id)).toEqual(["viewer"]);
  });

  describe("attacks on the flow", () => {
    it("refuses a callback whose state is not the one this browser started", async () => {
      const email = `state-${unique()}@tollgate.test`;
      idp.setAccount({ email, email_verified: true, roles: ["admin"] });
      const c = client();
      const back = new URL(await loginAtProvider(await startSignIn(c), idp.issuer, email));
      back.searchParams.set("state", "forged");
      const res = await finishSignIn(c, back.toString());
      expect(res.redirect).toBe(FAILED);
      expect((await sessionOf(c)).user).toBeUndefined();
      expect(await db.user.count({ where: { email } })).toBe(0);
      // on to the sign-in page, which shows the code's message
      const toSignIn = (await c.call("error", { query: { error: "OAuthCallback" } })).redirect;
      expect(toSignIn).toBe(`${ORIGIN}/api/auth/signin?error=OAuthCallback`);
      const page = (await c.call("signin", { query: { error: "OAuthCallback" } })).redirect;
      expect(new URL(page!, ORIGIN).pathname).toBe("/login");
      expect(new URL(page!, ORIGIN).searchParams.get("error")).toBe("OAuthCallback");
    });

    it("refuses a callback in another browser (login CSRF: no state or PKCE cookie there)", async () => {
      const email = `csrf-${unique()}@tollgate.test`;
      idp.setAccount({ email, email_verified: true, roles: ["admin"] });
      const attacker = client();
      const back = await loginAtProvider(await startSignIn(attacker), idp.issuer, email);
      const victim = client();
      const res = await finishSignIn(victim, back);
      expect(res.redirect).toBe(FAILED);
      expect((await sessionOf(victim)).user).toBeUndefined();
    });

    it("refuses a callback without the PKCE verifier", async () => {
      const email = `pkce-${unique()}@tollgate.test`;
      idp.setAccount({ email, email_verified: true });
      const c = client();
      const back = await loginAtProvider(await startSignIn(c), idp.issuer, email);
      for (const name of [...c.jar.cookies.keys()]) {
        if (name.includes("pkce")) c.jar.cookies.delete(name);
      }
      const res = await finishSignIn(c, back);
      expect(res.redirect).toBe(FAILED);
      expect((await sessionOf(c)).user).toBeUndefined();
    });

    it("refuses a code the provider issued to another application", async () => {
      const email = `aud-${unique()}@tollgate.test`;
      idp.setAccount({ email, email_verified: true, roles: ["admin"] });
      const c = client();
      // the console's own state and PKCE, but a code for OTHER's client id
      const ours = new URL(await startSignIn(c));
      const theirs = new URL(ours);
      theirs.searchParams.set("client_id", OTHER.clientId);
      const back = await loginAtProvider(theirs.toString(), idp.issuer, email);
      const res = await finishSignIn(c, back);
      expect(res.redirect).toBe(FAILED);
      expect((await sessionOf(c)).user).toBeUndefined();
      expect(await db.user.count({ where: { email } })).toBe(0);
    });

    it("refuses the same code twice", async () => {
      const email = `replay-${unique()}@tollgate.test`;
      idp.setAccount({ email, email_verified: true });
      const c = client();
      const back = await loginAtProvider(await startSignIn(c), idp.issuer, email);
      const saved = new Map(c.jar.cookies);
      expect((await finishSignIn(c, back)).redirect).toBe(`${ORIGIN}/inbox`);
      const replay = client();
      for (const [k, v] of saved) replay.jar.cookies.set(k, v);
      expect((await finishSignIn(replay, back)).redirect).toBe(FAILED);
      expect((await sessionOf(replay)).user).toBeUndefined();
    });

    it("sends the browser back to this site only", async () => {
      const email = `redirect-${unique()}@tollgate.test`;
      idp.setAccount({ email, email_verified: true });
      const c = client();
      const authorize = await startSignIn(c, "https://evil.example/steal");
      const res = await finishSignIn(c, await loginAtProvider(authorize, idp.issuer, email));
      expect(res.redirect).toBe(`${ORIGIN}/`);
    });
  });
});

describe("signInWithOidc without a roles claim configured", () => {
  it("gives a first-time user no roles and leaves an existing user's roles alone", async () => {
    const { signInWithOidc } = await import("@/lib/auth/sso-sign-in");
    const config = {
      issuer: "https://idp.example",
      clientId: "x",
      clientSecret: "y",
      name: "IdP",
      rolesClaim: null,
      roleMap: new Map(),
    };
    const email = `console-roles-${unique()}@tollgate.test`;
    const claims = {
      iss: "https://idp.example/",
      sub: "s",
      email,
      email_verified: true,
      tollgate_roles: ["admin"],
    };
    const first = await signInWithOidc(claims, null, config);
    expect(first.ok).toBe(true);
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    expect(await rolesOf(user.id)).toEqual([]);

    const u = await seedUser(db, { roles: ["approver"] });
    const second = await signInWithOidc({ ...claims, email: u.email }, null, config);
    expect(second.ok && second.user.id).toBe(u.id);
    expect(await rolesOf(u.id)).toEqual(["approver"]);

    // an ID token from another issuer is not ours, whatever it says
    expect(await signInWithOidc({ ...claims, iss: "https://evil.example" }, null, config)).toEqual({
      ok: false,
      code: "SsoWrongIssuer",
    });
  });

  it("makes one user when the same first sign-in arrives twice at once", async () => {
    const { signInWithOidc } = await import("@/lib/auth/sso-sign-in");
    const config = {
      issuer: "https://idp.example",
      clientId: "x",
      clientSecret: "y",
      name: "IdP",
      rolesClaim: "roles",
      roleMap: new Map(),
    };
    const email = `twice-${unique()}@tollgate.test`;
    const claims = { iss: "https://idp.example", email, email_verified: true, roles: ["viewer"] };
    const results = await Promise.all([1, 2, 3].map(() => signInWithOidc(claims, null, config)));
    expect(results.every((r) => r.ok)).toBe(true);
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    expect(await rolesOf(user.id)).toEqual(["viewer"]);
    expect(
      await db.auditEvent.count({ where: { subjectId: user.id, action: "user.created" } }),
    ).toBe(1);
  });
});
