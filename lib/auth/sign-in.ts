import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import { dummyPasswordHash, verifyPassword } from "./password";
import {
  ACCOUNT_RULE,
  ADDRESS_RULE,
  reserveAttempt,
  throttleWaitMs,
  type TThrottleCounter,
  type TThrottleRule,
} from "./throttle";

export type TSignInResult =
  { ok: true; user: { id: string; email: string; name: string } } | { ok: false; message: string };

const WRONG = "Wrong email or password.";

// the columns are timestamp(3) holding UTC, as Prisma writes them
const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz at time zone 'UTC')`;

type TKey = { key: string; rule: TThrottleRule; resetOnSuccess: boolean };
type TReservation = { key: TKey; before: TThrottleCounter | null; reservedAt: Date };

/**
 * The throttle keys of an attempt. With a known client address the account counter is kept
 * per address, so a flood from one address slows that address only and never the account's
 * owner elsewhere; the address also has its own counter over every account. Without a known
 * address (no trusted proxy) all attempts on an account share one counter.
 */
function throttleKeys(email: string, ip: string | null): TKey[] {
  const keys: TKey[] = [
    { key: `account:${email}${ip ? `|${ip}` : ""}`, rule: ACCOUNT_RULE, resetOnSuccess: true },
  ];
  if (ip) keys.push({ key: `address:${ip}`, rule: ADDRESS_RULE, resetOnSuccess: false });
  return keys.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * Decide and count in one transaction: the counters are locked FOR UPDATE (in key order,
 * so concurrent attempts cannot deadlock), checked, and — when every one allows it — the
 * attempt is counted as a failure before its password is checked. Parallel attempts
 * therefore queue on the lock, and no more than the free tries reach bcrypt.
 */
async function reserve(keys: TKey[], now: Date): Promise<{ waitMs: number } | TReservation[]> {
  return db.$transaction(
    async (tx: Tx) => {
      const names = keys.map((k) => k.key);
      await tx.$executeRaw`
        insert into "SignInThrottle" (key, failures, "lastFailureAt")
        select k, 0, ${utc(now)} from unnest(${names}::text[]) as k
        on conflict (key) do nothing`;
      const rows = await tx.$queryRaw<{ key: string; failures: number; ms: number }[]>`
        select key, failures, extract(epoch from "lastFailureAt")::float8 * 1000 as ms
        from "SignInThrottle" where key = any(${names}::text[]) order by key for update`;
      const counter = (k: TKey): TThrottleCounter | null => {
        const r = rows.find((x) => x.key === k.key);
        return r && r.failures > 0
          ? { failures: Number(r.failures), lastFailureAt: new Date(Math.round(Number(r.ms))) }
          : null;
      };
      const waitMs = Math.max(...keys.map((k) => throttleWaitMs(counter(k), k.rule, now)));
      if (waitMs > 0) return { waitMs };
      const reservations: TReservation[] = [];
      for (const k of keys) {
        const before = counter(k);
        const next = reserveAttempt(before, k.rule, now);
        await tx.$executeRaw`
          update "SignInThrottle" set failures = ${next.failures}, "lastFailureAt" = ${utc(now)}
          where key = ${k.key}`;
        reservations.push({ key: k, before, reservedAt: now });
      }
      return reservations;
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
}

/** A right password: the account counter starts again; the address only gets its try back. */
async function release(reservations: TReservation[]) {
  for (const r of reservations) {
    if (r.key.resetOnSuccess) {
      await db.$executeRaw`delete from "SignInThrottle" where key = ${r.key.key}`;
    } else {
      await db.$executeRaw`
        update "SignInThrottle" set failures = greatest(failures - 1, 0),
          "lastFailureAt" = case when "lastFailureAt" = ${utc(r.reservedAt)}
            then ${utc(r.before?.lastFailureAt ?? r.reservedAt)} else "lastFailureAt" end
        where key = ${r.key.key}`;
    }
  }
}

/**
 * Check a password, throttled per account and per client address (see throttle.ts). Every
 * evaluated attempt is recorded in LoginAttempt. The same message and the same bcrypt work
 * for an unknown email and a wrong password: no account enumeration by answer or by time.
 */
export async function signInWithPassword(
  emailRaw: string,
  password: string,
  ip: string | null,
  now = new Date(),
): Promise<TSignInResult> {
  const email = emailRaw.trim().toLowerCase();
  if (!email || !password) return { ok: false, message: "Enter your email and password." };
  if (email.length > 320 || password.length > 1024) return { ok: false, message: WRONG };

  const reserved = await reserve(throttleKeys(email, ip), now);
  if (!Array.isArray(reserved)) {
    return {
      ok: false,
      message: `Too many failed sign-ins. Try again in ${Math.ceil(reserved.waitMs / 1000)} seconds.`,
    };
  }
  // occasionally drop counters nobody has failed on for a day (unknown emails make rows too)
  if (Math.random() < 0.01) {
    await db.$executeRaw`delete from "SignInThrottle" where "lastFailureAt" < ${utc(new Date(now.getTime() - 86_400_000))}`;
  }

  const user = await db.user.findUnique({ where: { email } });
  const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  const ok = Boolean(user && valid && user.status === "active");
  await db.loginAttempt.create({ data: { email, ip, success: ok } });
  if (!user || !valid) return { ok: false, message: WRONG };
  if (user.status !== "active") return { ok: false, message: "This account is disabled." };
  await release(reserved);
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: now } });
  return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
}
