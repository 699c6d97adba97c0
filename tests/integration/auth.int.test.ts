import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { signInWithPassword } from "@/lib/auth/sign-in";
import { seedUser } from "@/lib/seed/seed-helpers";

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
    expect(!blocked.ok && blocked.message).toMatch(
      /Too many failed sign-ins\. Try again in \d+ seconds\./,
    );
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
