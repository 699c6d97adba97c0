import "server-only";
import { db } from "@/lib/db";
import { notFound } from "@/lib/core/errors";
import {
  contentHash,
  GENESIS_HASH,
  hashEvent,
  pgTimestampIso,
  type THashedEvent,
} from "./hash-chain";
import type { TAuditLane } from "./events";

export type TEventVerification = {
  id: string;
  lane: TAuditLane;
  /** null: not sealed yet (only its content hash can be checked) */
  seq: number | null;
  ok: boolean;
  /** what differs, in words for a person; empty when ok */
  problems: string[];
  checked: {
    /** the stored content hash against the content recomputed from the columns */
    content: "ok" | "differs" | "not stored";
    /** prevHash against the hash of the event before it in the lane */
    prev: "ok" | "differs" | "missing" | "not sealed";
    /** the stored chain hash against sha256(prevHash:seq:content) */
    link: "ok" | "differs" | "not sealed";
  };
};

type TRow = Omit<THashedEvent, "seq" | "prevHash"> & {
  seq: number | null;
  prevHash: string | null;
  hash: string | null;
  before: string | null;
};

/**
 * Check one event as the lane walk does (hash-chain.ts: `contentHash` over the stored columns,
 * `hashEvent` for the link), without walking the lane: its content against its stored content
 * hash, and when sealed its prevHash against the previous event's hash and its chain hash against
 * the link recomputed. It reads two rows and changes nothing. An edit of any hashed column shows
 * as `content` (and `link`) differing; an edit of the previous event's hash as `prev`.
 */
export async function verifyAuditEvent(id: string): Promise<TEventVerification> {
  if (!/^\d{1,19}$/.test(id)) throw notFound("The audit event");
  // createdAt as PostgreSQL writes it, turned into the ISO form the hash covers (as the walk reads it)
  const [row] = await db.$queryRaw<TRow[]>`
    select e.lane::text as lane, e.seq, e."createdAt"::text as "createdAt", e."actorType",
      e."actorAgentId", e."actorUserId", e.action, e."subjectType", e."subjectId", e."environmentId",
      e.object, e."recordId", e.field, e."oldValue", e."newValue", e."reasonCode", e."reasonText",
      e.source, e.evidence, e.payload, e."contentHash", e."prevHash", e.hash,
      (select p.hash from "AuditEvent" p where p.lane = e.lane and p.seq = e.seq - 1) as before
    from "AuditEvent" e where e.id = ${id}::bigint`;
  if (!row) throw notFound("The audit event");
  const event = { ...row, createdAt: pgTimestampIso(row.createdAt as string) };
  const problems: string[] = [];
  const content = contentHash(event);
  const checked: TEventVerification["checked"] = {
    content:
      row.contentHash == null ? "not stored" : row.contentHash === content ? "ok" : "differs",
    prev: "not sealed",
    link: "not sealed",
  };
  if (checked.content === "differs")
    problems.push(
      `the content no longer matches its stored content hash (stored ${row.contentHash!.slice(0, 12)}…, recomputed ${content.slice(0, 12)}…): a column was edited after it was written`,
    );
  if (row.seq != null && row.prevHash && row.hash) {
    const expectedPrev = row.seq === 1 ? GENESIS_HASH : row.before;
    checked.prev =
      expectedPrev == null ? "missing" : expectedPrev === row.prevHash ? "ok" : "differs";
    if (checked.prev === "missing")
      problems.push(`the event before it (seq ${row.seq - 1}) is missing from the lane`);
    if (checked.prev === "differs")
      problems.push(
        row.seq === 1
          ? "its prevHash is not the genesis hash"
          : `its prevHash is not the hash of seq ${row.seq - 1}: one of the two was edited`,
      );
    const link = hashEvent({ ...event, seq: row.seq, prevHash: row.prevHash });
    checked.link = link === row.hash ? "ok" : "differs";
    if (checked.link === "differs")
      problems.push(
        `its chain hash does not match sha256(prevHash:seq:content) (stored ${row.hash.slice(0, 12)}…, recomputed ${link.slice(0, 12)}…)`,
      );
  }
  return {
    id,
    lane: row.lane as TAuditLane,
    seq: row.seq,
    ok: problems.length === 0,
    problems,
    checked,
  };
}
