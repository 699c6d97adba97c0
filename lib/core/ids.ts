import crypto from "node:crypto";

/** A prefixed, URL-safe random id such as `ar_3kTq…` (prefix says what it names). */
export function prefixedId(prefix: string, bytes = 12): string {
  return `${prefix}_${crypto.randomBytes(bytes).toString("base64url")}`;
}
