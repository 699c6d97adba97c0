import "server-only";
import pg from "pg";
import { connectRuntimeClient } from "@/lib/db";
import {
  compareWithHead,
  findBrokenLink,
  GENESIS_HASH,
  hashEvent,
  pgTimestampIso,
  type TChainBreak,
  type THashedEvent,
} from "./hash-chain";
import { checkStoredCheckpoints, type TStoredCheckpoints } from "./checkpoints";
import { trySigningKey, type TPublicKey } from "./signing-key";
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
  /** sealed events in the lane (what the chain and the head account for) */
  eventCount: number;
  /** events appended but not sealed yet: not part of the chain, not verified */
  unsealed: number;
  /** the last event the walk reached intact (the checkpoint a next walk may start from) */
  lastSeq: number;
  lastHash: string;
  /** the signed checkpoints stored for the walked range (checkpoints.ts) */
  checkpoints: Omit<TStoredCheckpoints, "broken">;
  /** the first break, or null */
  broken: TChainBreak | null;
};

/**
 * Rows per FETCH from the walk's cursor. Small enough that a page's rows die young (10,000
 * spent a third of the walk in the garbage collector), large enough to keep round trips few.
 */
export const WALK_PAGE = 2_000;

/**
 * How the walk reads its rows: createdAt as the ISO text its hash covers (pgTimestampIso, no
 * Date per row), everything else as pg reads it (json columns through JSON.parse).
 */
const WALK_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 1114 && format !== "binary") return pgTimestampIso;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

type TSealedRow = THashedEvent & { hash: string };

const COLUMNS = `seq, lane::text as lane, "createdAt", "actorType", "actorAgentId", "actorUserId", action,
  "subjectType", "subjectId", "environmentId", object, "recordId", field, "oldValue", "newValue",
  "reasonCode", "reasonText", source, evidence, payload, "prevHash", hash, "contentHash"`;

/**
 * Verify one lane in a single snapshot (repeatable read, so concurrent appends and seals cannot
 * look like a break): re-hash its sealed events in seq order — all of them, or only those after
 * a checkpoint `from` an earlier walk reached intact, whose event must still carry that hash —
 * then compare the end of the chain with the lane's head row (AuditLaneHead): the newest
 * events deleted, a head rewritten or events beyond the head are breaks too. Unsealed events
 * are counted, not walked. The walk streams the lane through a cursor on a connection of its
 * own (not through the ORM), a page ahead of the hashing; 1M events take about 20 s on 2 busy
 * cores (`npm run bench:audit`).
 */
export async function verifyAuditLane(
  lane: TAuditLane,
  opts: { from?: { seq: number; hash: string }; key?: TPublicKey | null } = {},
): Promise<TLaneVerification> {
  // the key checkpoints must be signed with: the one given, else this installation's (if any)
  const key = opts.key !== undefined ? opts.key : trySigningKey();
  const walk = async (from: { seq: number; hash: string } | undefined) => {
    const client = await connectRuntimeClient("tollgate-audit-verify");
    try {
      await client.query("begin isolation level repeatable read read only");
      const result = await walkLane(client, lane, from, key);
      await client.query("commit");
      return result;
    } finally {
      await client.end().catch(() => {});
    }
  };
  const result = await walk(opts.from);
  // events deleted below a checkpoint show only as a gap or in the count: a full walk says where
  if (result.mode === "incremental" && result.broken?.kind === "gap") {
    const full = await walk(undefined);
    if (full.broken) return full;
  }
  return result;
}

async function walkLane(
  c: pg.Client,
  lane: TAuditLane,
  from: { seq: number; hash: string } | undefined,
  key: TPublicKey | null,
): Promise<TLaneVerification> {
  const headRow = (
    await c.query<{ seq: number; hash: string }>(
      `select seq, hash from "AuditLaneHead" where lane = $1::"AuditLane"`,
      [lane],
    )
  ).rows[0];
  const head = headRow ?? { seq: -1, hash: "(no head row)" };
  const counts = (
    await c.query<{ sealed: number; unsealed: number }>(
      `select count(*) filter (where seq is not null)::int as sealed,
              count(*) filter (where seq is null)::int as unsealed
       from "AuditEvent" where lane = $1::"AuditLane"`,
      [lane],
    )
  ).rows[0];
  const base = {
    lane,
    mode: from && from.seq > 0 ? ("incremental" as const) : ("full" as const),
    fromSeq: from && from.seq > 0 ? from.seq : 0,
    head,
    eventCount: counts.sealed,
    unsealed: counts.unsealed,
  };
  let prev = GENESIS_HASH;
  let after = 0;
  let checked = 0;
  let checkpoints: TLaneVerification["checkpoints"] = {
    count: 0,
    signaturesChecked: 0,
    foreign: 0,
    keyId: key?.keyId ?? null,
  };
  const done = (broken: TChainBreak | null) => ({
    ...base,
    ok: !broken,
    checked,
    lastSeq: after,
    lastHash: prev,
    checkpoints,
    broken,
  });
  if (!headRow) return done({ seq: 0, kind: "head_mismatch", detail: "the lane has no head row" });

  if (base.mode === "incremental" && from) {
    const anchor = (
      await c.query<TSealedRow>(
        `select ${COLUMNS} from "AuditEvent" where lane = $1::"AuditLane" and seq = $2`,
        [lane, from.seq],
      )
    ).rows[0];
    if (!anchor) {
      const last = (
        await c.query<{ seq: number; hash: string }>(
          `select seq, hash from "AuditEvent" where lane = $1::"AuditLane" and seq is not null
           order by seq desc limit 1`,
          [lane],
        )
      ).rows[0];
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

  await c.query(
    `declare walk no scroll cursor for
     select ${COLUMNS} from "AuditEvent" where lane = $1::"AuditLane" and seq > $2 order by seq`,
    [lane, after],
  );
  // the next page is asked for before this one is hashed: the server reads it meanwhile
  const fetchPage = () => {
    const page = c.query<TSealedRow>({ text: `fetch ${WALK_PAGE} from walk`, types: WALK_TYPES });
    page.catch(() => {}); // awaited below, or left behind a break (the commit waits for it)
    return page;
  };
  let next = fetchPage();
  for (;;) {
    const { rows } = await next;
    if (!rows.length) break;
    next = fetchPage();
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
  const end = compareWithHead({ lastSeq: after, lastHash: prev, head, eventCount: counts.sealed });
  if (end) return done(end);
  // the chain holds together and ends at its head: does it still say what was signed?
  const { broken, ...stored } = await checkStoredCheckpoints(c, lane, base.fromSeq, key);
  checkpoints = stored;
  return done(broken);
}
