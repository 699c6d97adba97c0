import crypto from "node:crypto";
import { canonicalJson } from "./canonical-json";

export const GENESIS_HASH = "0".repeat(64);

/** The fields of an audit event that its hash covers (everything but the hash itself). */
export type THashedEvent = {
  lane: string;
  seq: number;
  createdAt: Date;
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
};

/**
 * sha256 of everything an event says except its place in the chain. Computed by the app; the
 * database links it (linkHash) while it holds the lane, so the lock is held for one statement.
 */
export function contentHash(e: Omit<THashedEvent, "seq" | "prevHash">): string {
  // name every field: a stored row also carries id, seq and hashes, which are not content
  const body = canonicalJson({
    lane: e.lane,
    createdAt: e.createdAt,
    actorType: e.actorType,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    actorAgentId: e.actorAgentId ?? null,
    actorUserId: e.actorUserId ?? null,
    environmentId: e.environmentId ?? null,
    object: e.object ?? null,
    recordId: e.recordId ?? null,
    field: e.field ?? null,
    oldValue: e.oldValue ?? null,
    newValue: e.newValue ?? null,
    reasonCode: e.reasonCode ?? null,
    reasonText: e.reasonText ?? null,
    source: e.source ?? null,
    evidence: e.evidence ?? null,
    payload: e.payload ?? {},
  });
  return crypto.createHash("sha256").update(body).digest("hex");
}

/** The chain link: sha256("<prevHash>:<seq>:<contentHash>"), hex — also computed in SQL. */
export function linkHash(prevHash: string, seq: number, content: string): string {
  return crypto.createHash("sha256").update(`${prevHash}:${seq}:${content}`).digest("hex");
}

export function hashEvent(e: THashedEvent): string {
  return linkHash(e.prevHash, e.seq, contentHash(e));
}

/** Walk a lane in seq order; the first event whose link or hash does not hold, or null. */
export function findBrokenLink(
  events: (THashedEvent & { hash: string })[],
  startPrevHash = GENESIS_HASH,
): { seq: number; problem: "prev_hash" | "hash" | "gap" } | null {
  let prev = startPrevHash;
  let expectedSeq = events[0]?.seq;
  for (const e of events) {
    if (e.seq !== expectedSeq) return { seq: e.seq, problem: "gap" };
    if (e.prevHash !== prev) return { seq: e.seq, problem: "prev_hash" };
    if (hashEvent(e) !== e.hash) return { seq: e.seq, problem: "hash" };
    prev = e.hash;
    expectedSeq = e.seq + 1;
  }
  return null;
}
