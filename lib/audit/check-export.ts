import { checkSignature, ZCheckpointExport } from "./checkpoints";
import { findBrokenLink, GENESIS_HASH, type TChainBreak, type THashedEvent } from "./hash-chain";
import { publicKeyFromPem, type TPublicKey } from "./signing-key";

export type TExportCheck = {
  lane: string;
  events: number;
  /** the signed checkpoint's seq and what its signature said ("none": the export had none) */
  checkpoint: { seq: number; signature: "ok" | "foreign" | "bad" } | null;
  /** the key the signature was checked with, and whether it came from the file itself */
  keyId: string | null;
  keyFromFile: boolean;
  /** filtered exports hold some events: each is re-hashed alone, the chain is not followed */
  filtered: boolean;
  broken: TChainBreak | null;
  /** problems with the export as a whole (signature, an end that is not the checkpoint) */
  problems: string[];
};

/**
 * Check an export (export-lane.ts) without the database: the checkpoint's signature (with `key`,
 * else the public key the file carries — which proves the file was not altered since it was
 * signed by that key, not whose key it is: compare its id with `audit public-key`), every event
 * re-hashed as the lane walk does (`findBrokenLink`), and for an unfiltered export the chain from
 * the genesis ending at the checkpoint's seq and hash. `lines` is the file's lines, in order.
 */
export async function checkExportLines(
  lines: AsyncIterable<string> | Iterable<string>,
  key?: TPublicKey | null,
): Promise<TExportCheck> {
  let header: ReturnType<typeof ZCheckpointExport.parse> | null = null;
  let out: TExportCheck | null = null;
  let prev = GENESIS_HASH;
  let lastSeq = 0;
  let page: (THashedEvent & { hash: string })[] = [];
  const flush = () => {
    if (!out || out.broken || !page.length) return;
    out.broken = out.filtered
      ? (page.map((e) => findBrokenLink([e], e.prevHash)).find(Boolean) ?? null)
      : findBrokenLink(page, prev, lastSeq + 1);
    prev = page[page.length - 1].hash;
    lastSeq = page[page.length - 1].seq;
    out.events += page.length;
    page = [];
  };
  for await (const line of lines) {
    if (!line.trim()) continue;
    const value = JSON.parse(line);
    if (!header) {
      const raw = value as Record<string, unknown>;
      header = ZCheckpointExport.parse(raw);
      const filters = (raw.filters ?? {}) as Record<string, unknown>;
      const fileKey =
        typeof raw.publicKey === "string" ? publicKeyFromPem(raw.publicKey, "the export") : null;
      const k = key ?? fileKey;
      const cp = header.checkpoints[0];
      out = {
        lane: String(raw.lane),
        events: 0,
        checkpoint: cp ? { seq: cp.seq, signature: k ? checkSignature(cp, k) : "foreign" } : null,
        keyId: k?.keyId ?? null,
        keyFromFile: !key && !!fileKey,
        filtered: Object.keys(filters).length > 0,
        broken: null,
        problems: [],
      };
      if (!cp) out.problems.push("the export carries no signed checkpoint");
      else if (out.checkpoint!.signature === "bad")
        out.problems.push("the checkpoint's signature does not verify: it was altered");
      else if (out.checkpoint!.signature === "foreign")
        out.problems.push(`the checkpoint is signed by another key (${cp.keyId})`);
      continue;
    }
    page.push(value);
    if (page.length === 2_000) flush();
  }
  flush();
  if (!out || !header) throw new Error("an empty file: not an audit export");
  const cp = header.checkpoints[0];
  if (cp && !out.filtered && !out.broken && (lastSeq !== cp.seq || prev !== cp.hash))
    out.problems.push(
      `the events end at seq ${lastSeq} (${prev.slice(0, 12)}…), the signed checkpoint says seq ${cp.seq} (${cp.hash.slice(0, 12)}…)`,
    );
  if (out.broken) out.problems.push(`seq ${out.broken.seq}: ${out.broken.detail}`);
  return out;
}
