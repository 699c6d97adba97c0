import "server-only";
import type pg from "pg";
import { connectRuntimeClient, db, Prisma } from "@/lib/db";
import { toExport, type TCheckpoint } from "./checkpoints";
import { filterConditions, parseAuditQuery, ZAuditFilters, type TAuditFilters } from "./explore";
import { trySigningKey } from "./signing-key";
import type { TAuditLane } from "./events";

/** Events per keyset page of an export (as the lane walk's WALK_PAGE, and for the same reasons). */
export const EXPORT_PAGE = 2_000;

export const EXPORT_FORMAT = "tollgate.audit.export/v1";

/** The export's first line: a checkpoint file `audit verify --checkpoint` reads, and more. */
export type TExportHeader = ReturnType<typeof toExport> & {
  export: typeof EXPORT_FORMAT;
  lane: TAuditLane;
  filters: Omit<TAuditFilters, "lane">;
  /** the events exported are the lane's sealed ones up to this seq (the checkpoint's, if any) */
  throughSeq: number;
  /** the public half of the key the checkpoint is signed with (PEM), to check it offline */
  publicKey: string | null;
};

/**
 * Open an export of one lane (GET /api/internal/audit/export, bench/audit-export.ts): JSONL, its
 * first line the lane's latest signed checkpoint with the public key (TExportHeader), then the
 * lane's sealed events up to that checkpoint's seq that match the filters, in seq order, every
 * hashed column and the chain columns (seq, prevHash, hash, contentHash) on each line — unfiltered,
 * the lines re-hash from the genesis to the checkpoint's hash. Unsealed events (no place in the
 * chain yet) and events sealed after the checkpoint (no signature covers them yet) are left for
 * the next export. The stream reads keyset pages of EXPORT_PAGE events by seq on a connection
 * of its own, one page ahead of the client, and only when the client takes the previous one:
 * memory stays flat however large the lane. Sealed events never change, so pages need no
 * snapshot held open while a slow client reads.
 */
export async function openAuditExport(input: unknown): Promise<{
  header: TExportHeader;
  filename: string;
  stream: ReadableStream<Uint8Array>;
}> {
  const { lane, ...filters } = parseAuditQuery(ZAuditFilters, input);
  const conditions = await filterConditions({ lane, ...filters });
  const [checkpoint] = await db.$queryRaw<TCheckpoint[]>`
    select lane::text as lane, seq, hash, at, "keyId", signature from "AuditCheckpoint"
    where lane = ${lane}::"AuditLane" order by seq desc, id desc limit 1`;
  const [head] = await db.$queryRaw<{ seq: number }[]>`
    select seq from "AuditLaneHead" where lane = ${lane}::"AuditLane"`;
  const throughSeq = checkpoint?.seq ?? head?.seq ?? 0;
  const key = trySigningKey();
  const header: TExportHeader = {
    ...toExport(checkpoint ? [checkpoint] : [], key),
    export: EXPORT_FORMAT,
    lane,
    filters,
    throughSeq,
    publicKey: key ? (key.publicKey.export({ type: "spki", format: "pem" }) as string) : null,
  };
  const where = Prisma.join(
    [...conditions, Prisma.sql`e.seq is not null and e.seq <= ${throughSeq}`],
    " and ",
  );
  const encoder = new TextEncoder();
  let client: pg.Client | null = null;
  let after = 0;
  let next: Promise<pg.QueryResult> | null = null;
  const close = async () => {
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };
  const fetchPage = (c: pg.Client) => {
    const page = Prisma.sql`select e.seq, ${Prisma.raw(LINE)} as line
      from "AuditEvent" e where ${where} and e.seq > ${after} order by e.seq limit ${EXPORT_PAGE}`;
    const p = c.query<{ seq: number; line: string }>({ text: page.text, values: page.values });
    p.catch(() => {}); // awaited in pull, or dropped with the connection on cancel
    return p;
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        controller.enqueue(encoder.encode(JSON.stringify(header) + "\n"));
        client = await connectRuntimeClient("tollgate-audit-export");
        next = fetchPage(client);
      },
      async pull(controller) {
        try {
          const { rows } = await next!;
          if (!rows.length) {
            await close();
            controller.close();
            return;
          }
          after = rows[rows.length - 1].seq;
          // the next page is read while this one is written out
          next =
            rows.length === EXPORT_PAGE
              ? fetchPage(client!)
              : Promise.resolve({ rows: [] } as never);
          let text = "";
          for (const r of rows) text += r.line + "\n";
          controller.enqueue(encoder.encode(text));
        } catch (e) {
          await close();
          controller.error(e);
        }
      },
      async cancel() {
        await close();
      },
    },
    { highWaterMark: 1 },
  );
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return { header, filename: `audit-${lane}-${stamp}.jsonl`, stream };
}

/**
 * One event as an export line, written by the database (json_build_object: the keys in this
 * order, json columns as they are): the app only joins lines, a fifth of the CPU of parsing each
 * row and writing it again. Times as the ISO text the hashes cover (milliseconds, cut as
 * pgTimestampIso cuts them: to_char's MS truncates).
 */
const iso = (column: string) => `to_char(e."${column}", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const LINE = `json_build_object('id', e.id::text, 'lane', e.lane, 'seq', e.seq,
  'createdAt', ${iso("createdAt")}, 'actorType', e."actorType", 'actorAgentId', e."actorAgentId",
  'actorUserId', e."actorUserId", 'action', e.action, 'subjectType', e."subjectType",
  'subjectId', e."subjectId", 'environmentId', e."environmentId", 'object', e.object,
  'recordId', e."recordId", 'field', e.field, 'oldValue', e."oldValue", 'newValue', e."newValue",
  'reasonCode', e."reasonCode", 'reasonText', e."reasonText", 'source', e.source,
  'evidence', e.evidence, 'payload', e.payload, 'contentHash', e."contentHash",
  'prevHash', e."prevHash", 'hash', e.hash, 'sealedAt', ${iso("sealedAt")})::text`;
