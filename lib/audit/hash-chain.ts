import crypto from "node:crypto";
import { canonicalJson } from "./canonical-json";

export const GENESIS_HASH = "0".repeat(64);

/** The fields of an audit event that its hash covers (everything but the hash itself). */
export type THashedEvent = {
  lane: string;
  seq: number;
  /** a Date, or its ISO form (`toISOString`): both hash the same */
  createdAt: Date | string;
  actorType: string;
  actorAgentId?: string | null;
  actorUserId?: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  environmentId?: string | null;
  object?: string | null;
  recordId?: string | null;
  field?: string | null;
  oldValue?: unknown;
  newValue?: unknown;
  reasonCode?: string | null;
  reasonText?: string | null;
  source?: unknown;
  evidence?: unknown;
  payload?: unknown;
  prevHash: string;
  /** the content hash stored at append (null on events sealed before sealing existed) */
  contentHash?: string | null;
};

const PG_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/;

/**
 * A `timestamp without time zone` as PostgreSQL writes it (UTC here), in the ISO form the app's
 * Date gives (`toISOString`: milliseconds, the rest cut off): what the content hash covers,
 * without making a Date of each of a million rows. Anything unusual goes through a Date.
 */
export function pgTimestampIso(text: string): string {
  const m = PG_TIMESTAMP.exec(text);
  if (!m) return new Date(text.replace(" ", "T") + "Z").toISOString();
  return `${m[1]}T${m[2]}.${m[3] ? (m[3] + "00").slice(0, 3) : "000"}Z`;
}

/**
 * The fields an event's content hash covers, in the order canonicalJson sorts them (none starts
 * with a digit), and the value each stands for when absent.
 */
const CONTENT_FIELDS = [
  ["action", undefined],
  ["actorAgentId", null],
  ["actorType", undefined],
  ["actorUserId", null],
  ["createdAt", undefined],
  ["environmentId", null],
  ["evidence", null],
  ["field", null],
  ["lane", undefined],
  ["newValue", null],
  ["object", null],
  ["oldValue", null],
  ["payload", {}],
  ["reasonCode", null],
  ["reasonText", null],
  ["recordId", null],
  ["source", null],
  ["subjectId", undefined],
  ["subjectType", undefined],
] as const satisfies readonly (readonly [keyof THashedEvent, unknown])[];

/**
 * The canonical JSON of an event's content: `canonicalJson` of an object naming every field
 * (a stored row also carries id, seq and hashes, which are not content), written field by field
 * in sorted order instead of sorting a copy (verification hashes a million of these).
 */
export function contentJson(e: Omit<THashedEvent, "seq" | "prevHash">): string {
  const parts: string[] = [];
  for (const [key, absent] of CONTENT_FIELDS) {
    const raw = (e as Record<string, unknown>)[key];
    // the required fields are written as they are (null included), the optional ones default
    const v = absent === undefined ? raw : (raw ?? absent);
    if (v === undefined) continue;
    const json = canonicalJson(v) as string | undefined;
    if (json !== undefined) parts.push(`"${key}":${json}`);
  }
  return `{${parts.join(",")}}`;
}

/**
 * sha256 of everything an event says except its place in the chain. Computed by the app and
 * stored with the event (`contentHash`); the sealer (tollgate_seal_audit) links it into the
 * lane's chain later. Verification recomputes it from the columns.
 */
export function contentHash(e: Omit<THashedEvent, "seq" | "prevHash">): string {
  return crypto.hash("sha256", contentJson(e), "hex");
}

/** The chain link: sha256("<prevHash>:<seq>:<contentHash>"), hex — also computed in SQL. */
function linkHash(prevHash: string, seq: number, content: string): string {
  return crypto.hash("sha256", `${prevHash}:${seq}:${content}`, "hex");
}

export function hashEvent(e: THashedEvent): string {
  return linkHash(e.prevHash, e.seq, contentHash(e));
}

/**
 * How a lane can be broken. content_hash: an event's stored hash does not match its content;
 * link: its prevHash is not the previous event's hash; gap: a seq is missing or repeated;
 * checkpoint: an event verified (or a head signed, checkpoints.ts) earlier no longer has the
 * hash it had then; signature: a stored signed checkpoint does not verify; truncated: the
 * lane ends before its head (its newest events were deleted); head_mismatch: the head's hash
 * is not the last event's, or events lie beyond the head.
 */
type TBreakKind =
  "content_hash" | "link" | "gap" | "checkpoint" | "signature" | "truncated" | "head_mismatch";

/** The first place a lane does not hold, and why, in words for a person. */
export type TChainBreak = { seq: number; kind: TBreakKind; detail: string };

/**
 * Walk events in seq order from `startPrevHash` (the hash of the event before the first, the
 * genesis hash from the start); the first event whose seq, link or hash does not hold, or null.
 */
export function findBrokenLink(
  events: (THashedEvent & { hash: string })[],
  startPrevHash = GENESIS_HASH,
  firstSeq = events[0]?.seq,
): TChainBreak | null {
  let prev = startPrevHash;
  let expectedSeq = firstSeq;
  for (const e of events) {
    if (e.seq !== expectedSeq)
      return { seq: e.seq, kind: "gap", detail: `expected seq ${expectedSeq}, found ${e.seq}` };
    if (e.prevHash !== prev)
      return {
        seq: e.seq,
        kind: "link",
        detail: `prevHash is not the hash of seq ${e.seq - 1}`,
      };
    const content = contentHash(e);
    if (e.contentHash != null && e.contentHash !== content)
      return {
        seq: e.seq,
        kind: "content_hash",
        detail: "the stored content hash does not match the content",
      };
    if (linkHash(e.prevHash, e.seq, content) !== e.hash)
      return {
        seq: e.seq,
        kind: "content_hash",
        detail: "the stored hash does not match the content",
      };
    prev = e.hash;
    expectedSeq = e.seq + 1;
  }
  return null;
}

/**
 * Compare the end of a verified chain with the lane's head row: the head must point at the
 * last event (seq and hash) and the lane must hold exactly head.seq events (seqs are unique
 * per lane, so with the chain walked gap-free this means nothing lies beyond or below).
 */
export function compareWithHead(input: {
  lastSeq: number;
  lastHash: string;
  head: { seq: number; hash: string };
  eventCount: number;
}): TChainBreak | null {
  const { lastSeq, lastHash, head, eventCount } = input;
  if (lastSeq < head.seq)
    return {
      seq: lastSeq + 1,
      kind: "truncated",
      detail: `the head is at seq ${head.seq} but the lane ends at seq ${lastSeq}: ${head.seq - lastSeq} newest event(s) missing`,
    };
  if (lastSeq > head.seq)
    return {
      seq: head.seq + 1,
      kind: "head_mismatch",
      detail: `events beyond the head (seq ${head.seq}) up to seq ${lastSeq}`,
    };
  if (lastHash !== head.hash)
    return {
      seq: head.seq,
      kind: "head_mismatch",
      detail: `the head's hash is not the hash of seq ${head.seq}`,
    };
  if (eventCount !== head.seq)
    return {
      seq: head.seq,
      kind: eventCount < head.seq ? "gap" : "head_mismatch",
      detail: `the lane holds ${eventCount} events, its head says ${head.seq}`,
    };
  return null;
}
