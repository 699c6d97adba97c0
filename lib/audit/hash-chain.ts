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

export function hashEvent(e: THashedEvent): string {
  // name every field: a stored row also carries id and hash, which must not be hashed
  const body = canonicalJson({
    lane: e.lane,
    seq: e.seq,
    createdAt: e.createdAt,
    actorType: e.actorType,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    prevHash: e.prevHash,
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
