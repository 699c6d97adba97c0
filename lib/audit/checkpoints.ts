import "server-only";
import crypto from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import { db } from "@/lib/db";
import { AUDIT_LANES, type TAuditLane } from "./events";
import type { TChainBreak } from "./hash-chain";
import type { TPublicKey, TSigningKey } from "./signing-key";

/**
 * Checkpoints: a signed statement "lane L had seq N with head hash H at time T", published by
 * the sealing leader about every second for each lane whose head moved (`publishCheckpoints`),
 * kept in AuditCheckpoint (insert-only for the runtime role) and exported by
 * `npm run tollgate -- audit checkpoint export`. The key is not in the database
 * (signing-key.ts): whoever rewrites a lane and its head consistently — hashes recomputed, the
 * trigger off — can neither re-sign the checkpoints after the rewrite nor change an exported
 * one, so verification against them shows the rewrite.
 */

type TQueryable = Pick<pg.ClientBase, "query">;

export type TCheckpoint = {
  lane: TAuditLane;
  seq: number;
  hash: string;
  at: Date;
  keyId: string;
  signature: string;
};

const MESSAGE_FORMAT = "tollgate.audit.checkpoint/v1";
export const EXPORT_FORMAT = "tollgate.audit.checkpoints/v1";

/** The exact bytes a checkpoint's signature covers: one field a line, in this order. */
export function checkpointMessage(c: Omit<TCheckpoint, "signature">): string {
  return [
    MESSAGE_FORMAT,
    `lane=${c.lane}`,
    `seq=${c.seq}`,
    `hash=${c.hash}`,
    `at=${c.at.toISOString()}`,
    `key=${c.keyId}`,
  ].join("\n");
}

/** Sign a lane's head (Ed25519, the signature base64). `at` is kept to the millisecond. */
export function signCheckpoint(
  key: TSigningKey,
  head: { lane: TAuditLane; seq: number; hash: string },
  at = new Date(),
): TCheckpoint {
  const unsigned = { ...head, at: new Date(Math.floor(at.getTime())), keyId: key.keyId };
  const signature = crypto
    .sign(null, Buffer.from(checkpointMessage(unsigned)), key.privateKey)
    .toString("base64");
  return { ...unsigned, signature };
}

/** ok; foreign — signed by a key other than `key` (not checked); bad — the signature fails. */
export function checkSignature(c: TCheckpoint, key: TPublicKey): "ok" | "foreign" | "bad" {
  if (c.keyId !== key.keyId) return "foreign";
  try {
    const ok = crypto.verify(
      null,
      Buffer.from(checkpointMessage(c)),
      key.publicKey,
      Buffer.from(c.signature, "base64"),
    );
    return ok ? "ok" : "bad";
  } catch {
    return "bad";
  }
}

/**
 * Sign and store a checkpoint of each lane whose head moved past its newest checkpoint (none
 * for a lane still at seq 0). Returns how many it stored. The sealing leader calls it about
 * every second on its own connection; the CLI's export calls it once.
 */
export async function publishCheckpoints(client: TQueryable, key: TSigningKey): Promise<number> {
  const { rows } = await client.query<{ lane: TAuditLane; seq: number; hash: string }>(
    `select h.lane::text as lane, h.seq, h.hash from "AuditLaneHead" h
     left join lateral (select c.seq from "AuditCheckpoint" c where c.lane = h.lane
                        order by c.seq desc limit 1) c on true
     where h.seq > 0 and h.seq is distinct from c.seq`,
  );
  if (!rows.length) return 0;
  const now = new Date();
  const signed = rows.map((h) => signCheckpoint(key, h, now));
  await client.query(
    `insert into "AuditCheckpoint" (lane, seq, hash, at, "keyId", signature)
     select c.lane::"AuditLane", c.seq, c.hash, c.at::timestamptz at time zone 'UTC', c.key, c.sig
     from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
       as c(lane, seq, hash, at, key, sig)`,
    [
      signed.map((c) => c.lane),
      signed.map((c) => c.seq),
      signed.map((c) => c.hash),
      signed.map((c) => c.at.toISOString()),
      signed.map((c) => c.keyId),
      signed.map((c) => c.signature),
    ],
  );
  return signed.length;
}

/** Each lane's newest checkpoint (lanes without one are left out). */
export async function latestCheckpoints(): Promise<TCheckpoint[]> {
  return db.$queryRaw<TCheckpoint[]>`
    select l.lane::text as lane, c.seq, c.hash, c.at, c."keyId", c.signature
    from unnest(${[...AUDIT_LANES]}::text[]) as l(lane)
    cross join lateral (select * from "AuditCheckpoint" c where c.lane = l.lane::"AuditLane"
                        order by c.seq desc, c.id desc limit 1) c
    order by l.lane`;
}

const ZCheckpoint = z.strictObject({
  lane: z.enum(AUDIT_LANES),
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.iso.datetime().transform((s) => new Date(s)),
  keyId: z.string().min(1),
  signature: z.string().min(1),
});

/** What `audit checkpoint export` writes and `audit verify --checkpoint` reads. */
export const ZCheckpointExport = z.object({
  format: z.literal(EXPORT_FORMAT),
  exportedAt: z.string(),
  keyId: z.string().nullable(),
  fingerprint: z.string().nullable(),
  checkpoints: z.array(ZCheckpoint),
});
export type TCheckpointExport = z.input<typeof ZCheckpointExport>;

export function toExport(checkpoints: TCheckpoint[], key: TPublicKey | null): TCheckpointExport {
  return {
    format: EXPORT_FORMAT,
    exportedAt: new Date().toISOString(),
    keyId: key?.keyId ?? null,
    fingerprint: key?.fingerprint ?? null,
    checkpoints: checkpoints.map((c) => ({ ...c, at: c.at.toISOString() })),
  };
}

/** One checkpoint of an exported file against the database now: null when it holds. */
export type TExportedCheck = { lane: TAuditLane; seq: number; at: Date; problem: string | null };

/**
 * Check checkpoints a person exported earlier: each must be signed by `key` (the installation's,
 * or the one given with --public-key) and the lane's chain must still have that hash at that seq.
 * A checkpoint signed by another key is reported as such (it proves nothing here).
 */
export async function checkExportedCheckpoints(
  file: unknown,
  key: TPublicKey | null,
): Promise<TExportedCheck[]> {
  const parsed = ZCheckpointExport.parse(file);
  const out: TExportedCheck[] = [];
  for (const c of parsed.checkpoints) {
    const report = (problem: string | null) =>
      out.push({ lane: c.lane, seq: c.seq, at: c.at, problem });
    if (!key) {
      report("no public key to check its signature against (see audit public-key)");
      continue;
    }
    const sig = checkSignature(c, key);
    if (sig === "foreign") {
      report(
        `signed by another key (${c.keyId}); this key is ${key.keyId}: it proves nothing here`,
      );
      continue;
    }
    if (sig === "bad") {
      report("its signature does not verify: the checkpoint was altered");
      continue;
    }
    const [row] = await db.$queryRaw<{ hash: string | null; head: number }[]>`
      select (select e.hash from "AuditEvent" e where e.lane = ${c.lane}::"AuditLane" and e.seq = ${c.seq}) as hash,
             (select h.seq from "AuditLaneHead" h where h.lane = ${c.lane}::"AuditLane") as head`;
    if (!row.hash) {
      report(
        `the lane's chain ends at seq ${row.head}, before this signed checkpoint: sealed events were removed`,
      );
    } else if (row.hash !== c.hash) {
      report(
        `the chain has another hash at seq ${c.seq} (${row.hash.slice(0, 12)}…) than this signed checkpoint (${c.hash.slice(0, 12)}…): the history up to seq ${c.seq} was rewritten`,
      );
    } else report(null);
  }
  return out;
}

/** Signatures checked per walk: the newest checkpoints of the walked range (see below). */
const SIGNATURE_CHECKS = 1_000;

export type TStoredCheckpoints = {
  /** stored checkpoints in the walked range, each compared with the chain */
  count: number;
  /** of those, the newest whose signatures were checked */
  signaturesChecked: number;
  /** of those, signed by another key than the one verification trusts (not checked) */
  foreign: number;
  /** the key signatures were checked with, or null (none configured: not checked) */
  keyId: string | null;
  broken: TChainBreak | null;
};

/**
 * The lane's stored checkpoints after `afterSeq`, inside the walk's snapshot: every one must
 * name the hash the chain has at its seq (one query), and the newest SIGNATURE_CHECKS must be
 * signed by `key`. Checking only the newest signatures is enough: a rewrite from seq K on
 * changes the hash of every event from K, so every checkpoint at or after K no longer matches —
 * to hide it, each would have to be deleted (only an exported checkpoint shows that) or its hash
 * edited, and then the newest, which is always checked, is one of the edited ones.
 */
export async function checkStoredCheckpoints(
  c: TQueryable,
  lane: TAuditLane,
  afterSeq: number,
  key: TPublicKey | null,
): Promise<TStoredCheckpoints> {
  const [{ count }] = (
    await c.query<{ count: number }>(
      `select count(*)::int as count from "AuditCheckpoint" where lane = $1::"AuditLane" and seq > $2`,
      [lane, afterSeq],
    )
  ).rows;
  const out: TStoredCheckpoints = {
    count,
    signaturesChecked: 0,
    foreign: 0,
    keyId: key?.keyId ?? null,
    broken: null,
  };
  if (!count) return out;
  const [mismatch] = (
    await c.query<{
      seq: number;
      hash: string;
      at: Date;
      eventHash: string | null;
      last: number | null;
    }>(
      `select c.seq, c.hash, c.at, e.hash as "eventHash",
              (select max(seq) from "AuditEvent" where lane = $1::"AuditLane") as last
       from "AuditCheckpoint" c
       left join "AuditEvent" e on e.lane = c.lane and e.seq = c.seq
       where c.lane = $1::"AuditLane" and c.seq > $2 and e.hash is distinct from c.hash
       order by c.seq limit 1`,
      [lane, afterSeq],
    )
  ).rows;
  if (mismatch) {
    const said = `the checkpoint signed at ${mismatch.at.toISOString()} says seq ${mismatch.seq} had hash ${mismatch.hash.slice(0, 12)}…`;
    out.broken = {
      seq: mismatch.seq,
      kind: "checkpoint",
      detail: mismatch.eventHash
        ? `${said}, the chain has ${mismatch.eventHash.slice(0, 12)}… there: history up to it was rewritten`
        : `${said}, the lane's chain ends at seq ${mismatch.last ?? 0}`,
    };
  }
  if (!key) return out;
  const { rows } = await c.query<TCheckpoint>(
    `select lane::text as lane, seq, hash, at, "keyId", signature from "AuditCheckpoint"
     where lane = $1::"AuditLane" and seq > $2 order by seq desc, id desc limit ${SIGNATURE_CHECKS}`,
    [lane, afterSeq],
  );
  let bad: TCheckpoint | null = null;
  for (const row of rows) {
    const r = checkSignature(row, key);
    if (r === "foreign") out.foreign++;
    else out.signaturesChecked++;
    if (r === "bad" && (!bad || row.seq < bad.seq)) bad = row;
  }
  if (bad && (!out.broken || bad.seq < out.broken.seq)) {
    out.broken = {
      seq: bad.seq,
      kind: "signature",
      detail: `the checkpoint of seq ${bad.seq} (signed at ${bad.at.toISOString()}) does not verify with key ${key.keyId}: it was altered`,
    };
  }
  return out;
}
