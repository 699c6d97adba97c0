import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Tollgate's webhook signature, in the style of Stripe's: the header
 * `Tollgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is signed with the body, so a captured delivery cannot be replayed later
 * than the receiver's tolerance.
 */
export const SIGNATURE_HEADER = "Tollgate-Signature";

export function signPayload(secret: string, body: string, at = new Date()) {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  return `t=${t},v1=${v1}`;
}

export type TVerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/** What a receiver does: recompute, compare in constant time, refuse stale timestamps. */
export function verifySignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  opts: { toleranceSeconds?: number; now?: Date } = {},
): TVerifyResult {
  if (!header) return { ok: false, reason: "no signature header" };
  const parts = Object.fromEntries(
    header.split(",").map((p) => {
      const i = p.indexOf("=");
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    }),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return { ok: false, reason: "malformed signature header" };
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300))
    return { ok: false, reason: "timestamp outside the tolerance" };
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "signature does not match" };
  return { ok: true, timestamp: t };
}
