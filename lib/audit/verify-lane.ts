import { db } from "@/lib/db";
import { findBrokenLink, GENESIS_HASH } from "./hash-chain";
import type { TAuditLane } from "./write-audit-event";

/** Re-hash a whole lane from its first event; returns how many were checked and any break. */
export async function verifyAuditLane(lane: TAuditLane) {
  const PAGE = 5000;
  let prev = GENESIS_HASH;
  let after = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: { lane, seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: PAGE,
    });
    if (!rows.length) break;
    if (rows[0].seq !== after + 1)
      return { lane, checked, broken: { seq: rows[0].seq, problem: "gap" as const } };
    const broken = findBrokenLink(rows, prev);
    if (broken)
      return { lane, checked: checked + rows.findIndex((r) => r.seq === broken.seq), broken };
    checked += rows.length;
    prev = rows[rows.length - 1].hash;
    after = rows[rows.length - 1].seq;
  }
  return { lane, checked, broken: null };
}
