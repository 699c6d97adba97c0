import crypto from "node:crypto";

// random bytes drawn 4 KiB at a time (as node's randomUUID does): one call per id cost more
// than the id itself on the agent API's hot path (bench:ingest --profile)
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = POOL_BYTES;

/** A prefixed, URL-safe random id such as `ar_3kTq…` (prefix says what it names). */
export function prefixedId(prefix: string, bytes = 12): string {
  if (bytes > POOL_BYTES) return `${prefix}_${crypto.randomBytes(bytes).toString("base64url")}`;
  if (offset + bytes > POOL_BYTES) {
    pool = crypto.randomBytes(POOL_BYTES);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + bytes);
  offset += bytes;
  return `${prefix}_${id}`;
}
