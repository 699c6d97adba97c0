import { db } from "@/lib/db";
import { verifyPassword } from "./password";
import { loginDelayMs, WINDOW_MS } from "./throttle";

export type TSignInResult =
  { ok: true; user: { id: string; email: string; name: string } } | { ok: false; message: string };

const WRONG = "Wrong email or password.";

/**
 * Check a password, throttling repeated failures per email. Every attempt is recorded.
 * The same message for an unknown email and a wrong password: no account enumeration.
 */
export async function signInWithPassword(
  emailRaw: string,
  password: string,
  ip: string | null,
  now = new Date(),
): Promise<TSignInResult> {
  const email = emailRaw.trim().toLowerCase();
  if (!email || !password) return { ok: false, message: "Enter your email and password." };

  const failures = await db.loginAttempt.findMany({
    where: { email, success: false, createdAt: { gt: new Date(now.getTime() - WINDOW_MS) } },
    select: { createdAt: true },
    orderBy: { createdAt: "desc" },
    take: 50,
  });
  const wait = loginDelayMs(
    failures.map((f) => f.createdAt),
    now,
  );
  if (wait > 0) {
    return {
      ok: false,
      message: `Too many failed sign-ins. Try again in ${Math.ceil(wait / 1000)} seconds.`,
    };
  }

  const user = await db.user.findUnique({ where: { email } });
  const valid = user ? await verifyPassword(password, user.passwordHash) : false;
  const ok = Boolean(user && valid && user.status === "active");
  await db.loginAttempt.create({ data: { email, ip, success: ok } });
  if (!user || !valid) return { ok: false, message: WRONG };
  if (user.status !== "active") return { ok: false, message: "This account is disabled." };
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: now } });
  return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
}
