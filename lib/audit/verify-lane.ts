import "server-only";
import { db, Prisma, type Tx } from "@/lib/db";
import {
  compareWithHead,
  findBrokenLink,
  GENESIS_HASH,
  hashEvent,
  type TChainBreak,
} from "./hash-chain";
import type { TAuditLane } from "./write-audit-event";

export type TLaneVerification = {
  lane: TAuditLane;
  ok: boolean;
  mode: "full" | "incremental";
  /** the walk started after this seq (0: from the genesis) */
  fromSeq: number;
  /** events re-hashed in this walk */
  checked: number;
  head: { seq: number; hash: string };
  eventCount: number;
  /** the last event the walk reached intact (the checkpoint a next walk may start from) */
  lastSeq: number;
  lastHash: string;
  /** the first break, or null */
  broken: TChainBreak | null;
};

const PAGE = 5000;

/**
 * Verify one lane in a single snapshot (repeatable read, so concurrent appends cannot look
 * like a break): re-hash its events in seq order — all of them, or only those after a
 * checkpoint `from` an earlier walk reached intact, whose event must still carry that hash —
 * then compare the end of the chain with the lane's head row (AuditLaneHead): the newest
 * events deleted, a head rewritten or events beyond the head are breaks too.
 */
export async function verifyAuditLane(
  lane: TAuditLane,
  opts: { from?: { seq: number; hash: string } } = {},
): Promise<TLaneVerification> {
  const walk = (from: { seq: number; hash: string } | undefined) =>
    db.$transaction((tx) => walkLane(tx, lane, from), {
      isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead,
      maxWait: 10_000,
      timeout: 15 * 60_000,
    });
  const result = await walk(opts.from);
  // events deleted below a checkpoint show only as a gap or in the count: a full walk says where
  if (result.mode === "incremental" && result.broken?.kind === "gap") {
    const full = await walk(undefined);
    if (full.broken) return full;
  }
  return result;
}

async function walkLane(
  tx: Tx,
  lane: TAuditLane,
  from: { seq: number; hash: string } | undefined,
): Promise<TLaneVerification> {
  const headRow = await tx.auditLaneHead.findUnique({ where: { lane } });
  const head = headRow
    ? { seq: headRow.seq, hash: headRow.hash }
    : { seq: -1, hash: "(no head row)" };
  const eventCount = await tx.auditEvent.count({ where: { lane } });
  const base = {
    lane,
    mode: from && from.seq > 0 ? ("incremental" as const) : ("full" as const),
    fromSeq: from && from.seq > 0 ? from.seq : 0,
    head,
    eventCount,
  };
  let prev = GENESIS_HASH;
  let after = 0;
  let checked = 0;
  const done = (broken: TChainBreak | null) => ({
    ...base,
    ok: !broken,
    checked,
    lastSeq: after,
    lastHash: prev,
    broken,
  });
  if (!headRow) return done({ seq: 0, kind: "head_mismatch", detail: "the lane has no head row" });

  if (base.mode === "incremental" && from) {
    const anchor = await tx.auditEvent.findUnique({ where: { lane_seq: { lane, seq: from.seq } } });
    if (!anchor) {
      const last = await tx.auditEvent.findFirst({ where: { lane }, orderBy: { seq: "desc" } });
      const lastSeq = last?.seq ?? 0;
      if (lastSeq < from.seq) {
        after = lastSeq;
        prev = last?.hash ?? GENESIS_HASH;
        return done({
          seq: lastSeq + 1,
          kind: "truncated",
          detail: `seq ${from.seq} was verified earlier, the lane now ends at seq ${lastSeq}`,
        });
      }
      return done({
        seq: from.seq,
        kind: "gap",
        detail: `seq ${from.seq} (verified earlier) is gone`,
      });
    }
    if (anchor.hash !== from.hash || hashEvent(anchor) !== anchor.hash) {
      return done({
        seq: from.seq,
        kind: "checkpoint",
        detail: `seq ${from.seq} no longer matches the hash it had when it was verified`,
      });
    }
    prev = from.hash;
    after = from.seq;
  }

  for (;;) {
    const rows = await tx.auditEvent.findMany({
      where: { lane, seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: PAGE,
    });
    if (!rows.length) break;
    const broken = findBrokenLink(rows, prev, after + 1);
    if (broken) {
      const intact = rows.filter((r) => r.seq < broken.seq);
      if (intact.length) {
        checked += intact.length;
        after = intact[intact.length - 1].seq;
        prev = intact[intact.length - 1].hash;
      }
      return done(broken);
    }
    checked += rows.length;
    prev = rows[rows.length - 1].hash;
    after = rows[rows.length - 1].seq;
  }
  return done(compareWithHead({ lastSeq: after, lastHash: prev, head, eventCount }));
}
