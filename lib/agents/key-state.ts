/**
 * What an API key row means right now, for people reading the console. Mirrors the checks in
 * `authenticateApiKey`: revoked or past `expiresAt` refuses; a rotated key that has not yet
 * reached `expiresAt` still works (the rotation grace period).
 */
export type TKeyState = "active" | "grace" | "expired" | "revoked";

export function keyState(
  k: { revokedAt: Date | null; expiresAt: Date | null; rotatedAt: Date | null },
  now: Date,
): TKeyState {
  if (k.revokedAt && k.revokedAt <= now) return "revoked";
  if (k.expiresAt && k.expiresAt <= now) return "expired";
  if (k.rotatedAt && k.expiresAt) return "grace";
  return "active";
}
