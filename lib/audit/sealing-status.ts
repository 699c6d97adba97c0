import "server-only";
import { db } from "@/lib/db";
import type { TAuditLane } from "./events";

export type TLaneSealing = {
  lane: TAuditLane;
  /** the last sealed event (what the chain and the head account for) */
  headSeq: number;
  headHash: string;
  /** when the head last moved: the last seal that linked events in this lane */
  lastSealAt: Date | null;
  /** events appended but not sealed yet, and the oldest one's age (database time) */
  unsealed: number;
  oldestUnsealedSecondsAgo: number | null;
  /** the newest signed checkpoint */
  checkpoint: { seq: number; at: Date; keyId: string } | null;
};

/**
 * Each lane's sealing state, for /audit and /api/health: a few index reads (the unsealed events
 * through their partial index, the newest checkpoint through (lane, seq)), never a count of the
 * whole lane. A sealer that is behind shows as unsealed events growing older.
 */
export async function getSealingStatus(): Promise<TLaneSealing[]> {
  const rows = await db.$queryRaw<
    (Omit<TLaneSealing, "checkpoint"> & {
      cpSeq: number | null;
      cpAt: Date | null;
      cpKeyId: string | null;
    })[]
  >`
    select l.lane::text as lane, h.seq as "headSeq", h.hash as "headHash", h."updatedAt" as "lastSealAt",
      u.n as unsealed,
      extract(epoch from (now() at time zone 'UTC') - u.oldest)::float8 as "oldestUnsealedSecondsAgo",
      c.seq as "cpSeq", c.at as "cpAt", c."keyId" as "cpKeyId"
    from unnest(enum_range(null::"AuditLane")) as l(lane)
    join "AuditLaneHead" h on h.lane = l.lane
    cross join lateral (select count(*)::int as n, min(e."appendedAt") as oldest
                        from "AuditEvent" e where e.lane = l.lane and e.seq is null) u
    left join lateral (select c.seq, c.at, c."keyId" from "AuditCheckpoint" c where c.lane = l.lane
                       order by c.seq desc, c.id desc limit 1) c on true
    order by l.lane`;
  return rows.map(({ cpSeq, cpAt, cpKeyId, ...r }) => ({
    ...r,
    oldestUnsealedSecondsAgo:
      r.oldestUnsealedSecondsAgo == null ? null : Math.max(0, r.oldestUnsealedSecondsAgo),
    checkpoint: cpSeq != null && cpAt && cpKeyId ? { seq: cpSeq, at: cpAt, keyId: cpKeyId } : null,
  }));
}
