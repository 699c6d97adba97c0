import crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession, which needs a Next
// request; the tests hand it the session next-auth would build from a cookie's JWT.
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import type { JWT } from "next-auth/jwt";
import { db } from "@/lib/db";
import { authOptions, requireUser } from "@/lib/auth";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { seedUser } from "@/lib/seed/seed-helpers";

const unique = () => crypto.randomBytes(4).toString("hex");
const ip = () => `10.${crypto.randomInt(256)}.${crypto.randomInt(256)}.${crypto.randomInt(256)}`;
const evaluated = (email: string) => db.loginAttempt.count({ where: { email } });
const TOO_MANY = /Too many failed sign-ins\. Try again in \d+ seconds\./;

describe("sign-in with password", () => {
  it("accepts the right password and records the sign-in", async () => {
    const u = await seedUser(db, { roles: ["ops_owner"] });
    const result = await signInWithPassword(u.email.toUpperCase(), u.password, "127.0.0.1");
    expect(result).toEqual({ ok: true, user: { id: u.id, email: u.email, name: u.name } });
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).lastLoginAt).not.toBeNull();
  });

  it("gives one clear message for a wrong password and for an unknown email", async () => {
    const u = await seedUser(db);
    expect(await signInWithPassword(u.email, "nope", null)).toEqual({
      ok: false,
      message: "Wrong email or password.",
    });
    expect(await signInWithPassword("nobody@tollgate.test", "nope", null)).toEqual({
      ok: false,
      message: "Wrong email or password.",
    });
    expect(await signInWithPassword("", "", null)).toEqual({
      ok: false,
      message: "Enter your email and password.",
    });
  });

  it("throttles repeated failures, even when the password is then right", async () => {
    const u = await seedUser(db);
    for (let i = 0; i < 5; i++) {
      expect((await signInWithPassword(u.email, `wrong-${i}`, null)).ok).toBe(false);
    }
    const blocked = await signInWithPassword(u.email, u.password, null);
    expect(blocked.ok).toBe(false);
    expect(!blocked.ok && blocked.message).toMatch(TOO_MANY);
    // after the wait has passed, the right password works again
    const later = new Date(Date.now() + 31_000);
    expect((await signInWithPassword(u.email, u.password, null, later)).ok).toBe(true);
    const failures = await db.loginAttempt.count({ where: { email: u.email, success: false } });
    expect(failures).toBe(5);
  });

  it("refuses a disabled account", async () => {
    const u = await seedUser(db);
    await db.user.update({ where: { id: u.id }, data: { status: "disabled" } });
    expect(await signInWithPassword(u.email, u.password, null)).toEqual({
      ok: false,
      message: "This account is disabled.",
    });
  });
});

describe("sign-in throttling", () => {
  it("evaluates at most the five free tries of 40 parallel wrong passwords", async () => {
    const u = await seedUser(db);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => signInWithPassword(u.email, `wrong-${i}`, null)),
    );
    expect(await evaluated(u.email)).toBe(5);
    expect(results.filter((r) => !r.ok && TOO_MANY.test(r.message))).toHaveLength(35);
  });

  it("counts parallel attempts from one address atomically as well", async () => {
    const u = await seedUser(db);
    const from = ip();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => signInWithPassword(u.email, `wrong-${i}`, from)),
    );
    expect(await evaluated(u.email)).toBe(5);
  });

  it("takes as long for an unknown email as for a wrong password (medians)", async () => {
    const u = await seedUser(db);
    await signInWithPassword(`warm-${unique()}@tollgate.test`, "x", null);
    const time = async (email: string) => {
      const t0 = performance.now();
      await signInWithPassword(email, `wrong-${unique()}`, null);
      return performance.now() - t0;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    // five tries on the known account are free, so every one of them reaches bcrypt
    for (let i = 0; i < 5; i++) {
      known.push(await time(u.email));
      unknown.push(await time(`nobody-${unique()}@tollgate.test`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [k, n] = [median(known), median(unknown)];
    // bcrypt at cost 11 takes ~150 ms; without the dummy check an unknown email took ~10 ms
    expect(n).toBeGreaterThan(k * 0.6);
    expect(n).toBeLessThan(k * 1.6);
  });

  it("slows a flooding address without keeping the owner out from another one", async () => {
    const u = await seedUser(db);
    const [attacker, owner] = [ip(), ip()];
    for (let i = 0; i < 5; i++) await signInWithPassword(u.email, `wrong-${i}`, attacker);
    const refused = await signInWithPassword(u.email, u.password, attacker);
    expect(!refused.ok && refused.message).toMatch(TOO_MANY);
    // the account's owner, elsewhere, signs in at once with the right password
    expect((await signInWithPassword(u.email, u.password, owner)).ok).toBe(true);
    // and the attacker is still waiting
    expect((await signInWithPassword(u.email, u.password, attacker)).ok).toBe(false);
  });

  it("throttles one address across many accounts, not other addresses", async () => {
    const sprayer = ip();
    for (let i = 0; i < 20; i++) {
      await signInWithPassword(`spray-${unique()}@tollgate.test`, "Summer2026!", sprayer);
    }
    const u = await seedUser(db);
    const refused = await signInWithPassword(u.email, u.password, sprayer);
    expect(!refused.ok && refused.message).toMatch(TOO_MANY);
    expect(await evaluated(u.email)).toBe(0);
    expect((await signInWithPassword(u.email, u.password, ip())).ok).toBe(true);
  });

  it("doubles the wait with each further failure, then forgives after the window", async () => {
    const u = await seedUser(db);
    const from = ip();
    const t0 = Date.now();
    const at = (s: number) => new Date(t0 + s * 1000);
    for (let i = 0; i < 5; i++) await signInWithPassword(u.email, `wrong-${i}`, from, at(0));
    // 30 s after the fifth failure a sixth is evaluated …
    expect(await signInWithPassword(u.email, "wrong-6", from, at(31))).toEqual({
      ok: false,
      message: "Wrong email or password.",
    });
    // … and the next must wait 60 s
    const early = await signInWithPassword(u.email, u.password, from, at(31 + 45));
    expect(!early.ok && early.message).toBe("Too many failed sign-ins. Try again in 15 seconds.");
    expect((await signInWithPassword(u.email, "wrong-7", from, at(31 + 61))).ok).toBe(false);
    // 16 minutes of quiet: the counter starts again
    expect((await signInWithPassword(u.email, u.password, from, at(31 + 61 + 960))).ok).toBe(true);
    expect(await evaluated(u.email)).toBe(8);
  });

  it("gives an address back its try after a right password, but does not reset it", async () => {
    const from = ip();
    for (let i = 0; i < 19; i++) {
      await signInWithPassword(`spray-${unique()}@tollgate.test`, "x", from);
    }
    const u = await seedUser(db);
    expect((await signInWithPassword(u.email, u.password, from)).ok).toBe(true);
    const row = await db.signInThrottle.findUniqueOrThrow({ where: { key: `address:${from}` } });
    expect(row.failures).toBe(19);
    await signInWithPassword(`spray-${unique()}@tollgate.test`, "x", from);
    const refused = await signInWithPassword(u.email, u.password, from);
    expect(!refused.ok && refused.message).toMatch(TOO_MANY);
  });
});

describe("server-side sessions", () => {
  const creds = authOptions.providers[0] as unknown as {
    options: { authorize: (c: Record<string, string>, req: unknown) => Promise<unknown> };
  };
  const cb = authOptions.callbacks!;

  /** Sign in through next-auth's provider and callbacks; the JWT next-auth would store. */
  async function signInToken(email: string, password: string): Promise<JWT> {
    const user = (await creds.options.authorize({ email, password }, { headers: {} })) as {
      id: string;
    };
    return cb.jwt!({ token: { sub: user.id }, user } as never) as Promise<JWT>;
  }
  /** What requireUser sees for a request carrying that JWT. */
  async function presenting(token: JWT) {
    let session = null;
    try {
      const t = await cb.jwt!({ token } as never);
      session = await cb.session!({ session: { user: {}, expires: "" }, token: t } as never);
    } catch {
      session = null; // next-auth answers an empty session when the jwt callback throws
    }
    vi.mocked(getServerSession).mockResolvedValueOnce(session);
  }

  it("ends on sign-out: a copied cookie is refused at every door", async () => {
    const u = await seedUser(db, { roles: ["viewer"] });
    const token = await signInToken(u.email, u.password);
    expect(typeof token.sid).toBe("string");
    await presenting(token);
    expect((await requireUser("agents:read")).id).toBe(u.id);

    await authOptions.events!.signOut!({ token, session: null as never });
    expect(
      (await db.userSession.findUniqueOrThrow({ where: { id: String(token.sid) } })).revokedAt,
    ).not.toBeNull();
    // next-auth's own session endpoint (the jwt callback) refuses the token …
    await expect(cb.jwt!({ token } as never)).rejects.toThrow("session_ended");
    // … and so does requireUser, even when handed the session directly
    vi.mocked(getServerSession).mockResolvedValueOnce({
      user: { id: u.id, sid: token.sid },
      expires: "",
    } as never);
    await expect(requireUser("agents:read")).rejects.toMatchObject({ status: 401 });
    await presenting(token);
    await expect(requireUser("agents:read")).rejects.toMatchObject({ status: 401 });
  });

  it("refuses a token without a session row, another user's row and an expired row", async () => {
    const u = await seedUser(db);
    const other = await seedUser(db);
    const token = await signInToken(u.email, u.password);
    for (const forged of [
      { sub: u.id },
      { sub: u.id, sid: "made-up" },
      { sub: other.id, sid: token.sid },
    ]) {
      await expect(cb.jwt!({ token: forged } as never)).rejects.toThrow("session_ended");
    }
    await db.userSession.update({
      where: { id: String(token.sid) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await presenting(token);
    await expect(requireUser("agents:read")).rejects.toMatchObject({ status: 401 });
  });

  it("keeps role changes and deactivation effective for a live session", async () => {
    const u = await seedUser(db, { roles: ["admin"] });
    const token = await signInToken(u.email, u.password);
    await presenting(token);
    expect((await requireUser("users:read")).roles).toEqual(["admin"]);
    await db.roleAssignment.updateMany({ where: { userId: u.id }, data: { role: "viewer" } });
    await presenting(token);
    await expect(requireUser("users:read")).rejects.toMatchObject({ status: 403 });
    await db.user.update({ where: { id: u.id }, data: { status: "disabled" } });
    await presenting(token);
    await expect(requireUser("agents:read")).rejects.toMatchObject({ status: 401 });
  });
});
