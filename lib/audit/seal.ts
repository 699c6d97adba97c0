import "server-only";
import type pg from "pg";
import { db } from "@/lib/db";
import { publishCheckpoints } from "./checkpoints";
import { AUDIT_LANES, type TAuditLane } from "./events";
import { loadSigningKey, type TSigningKey } from "./signing-key";

/**
 * Sealing: appends are plain INSERTs of unsealed events (tollgate_append_audit); the SQL
 * function `tollgate_seal_audit(lane, max)` (migration …_audit_sealing, which argues why no late
 * commit is skipped or sealed out of order) links the committed ones into the lane's hash chain
 * in (xid, id) order below the horizon pg_snapshot_xmin(pg_current_snapshot()). The workers'
 * leader (lib/jobs LEADERS.sealAudit) calls `sealLanes` every ~200 ms and publishes signed
 * checkpoints; `sealNow` is the same sealing for tests and the CLI.
 */

/** Events sealed per lane per call: a batch is one transaction holding that lane's head lock. */
export const SEAL_BATCH = 5_000;

type TQueryable = Pick<pg.ClientBase, "query">;

/**
 * Seal up to `max` events in each lane, one statement (the three lanes' heads are locked in
 * one order, so two sealers cannot deadlock). Returns how many each lane sealed.
 */
export async function sealLanes(
  client: TQueryable,
  max = SEAL_BATCH,
): Promise<Record<TAuditLane, number>> {
  const { rows } = await client.query<{ lane: TAuditLane; n: number }>(
    `select l as lane, tollgate_seal_audit(l, $1) as n from unnest($2::text[]) as l`,
    [max, AUDIT_LANES],
  );
  const out = { config: 0, data: 0, execution: 0 };
  for (const r of rows) out[r.lane] = r.n;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Seal every event whose transaction had committed when this was called, in every lane (or
 * `lanes`): seals batch after batch, and while a transaction older than those events is still
 * open (it holds the horizon back: it could yet commit an event that sorts first) waits for it,
 * up to `timeoutMs`, then throws naming the session that holds it. Events committed after the
 * call may be sealed too. Returns how many this call sealed. Safe beside a running leader: the
 * head row lock serialises sealers.
 */
export async function sealNow(
  opts: { lanes?: readonly TAuditLane[]; timeoutMs?: number } = {},
): Promise<number> {
  const lanes = [...(opts.lanes ?? AUDIT_LANES)];
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const [{ snapshot }] = await db.$queryRaw<{ snapshot: string }[]>`
    select pg_current_snapshot()::text as snapshot`;
  let total = 0;
  for (;;) {
    for (const lane of lanes) {
      for (;;) {
        const [{ n }] = await db.$queryRaw<{ n: number }[]>`
          select tollgate_seal_audit(${lane}, ${SEAL_BATCH}) as n`;
        total += n;
        if (n < SEAL_BATCH) break;
      }
    }
    // events of transactions that had finished when the call began, still unsealed
    const [{ left }] = await db.$queryRaw<{ left: number }[]>`
      select count(*)::int as left from "AuditEvent"
      where seq is null and lane::text = any(${lanes})
        and pg_visible_in_snapshot(xid, ${snapshot}::pg_snapshot)`;
    if (left === 0) return total;
    if (Date.now() > deadline) throw new Error(await horizonHolder(left));
    await sleep(20);
  }
}

/** Which session keeps sealing back: the oldest open transaction that has an id. */
async function horizonHolder(left: number): Promise<string> {
  const rows = await db.$queryRaw<
    { pid: number; datname: string | null; state: string | null; seconds: number | null }[]
  >`
    select pid, datname::text as datname, state, extract(epoch from now() - xact_start)::float8 as seconds
    from pg_stat_activity where backend_xid is not null and pid <> pg_backend_pid()
    order by age(backend_xid) desc limit 1`;
  const h = rows[0];
  return (
    `${left} committed audit event(s) are still unsealed: ` +
    (h
      ? `an older transaction is open (pid ${h.pid}, database ${h.datname}, ${h.state}, ${Math.round(h.seconds ?? 0)} s)`
      : "no open transaction found to blame")
  );
}

/** How often the leader signs a checkpoint of each lane whose head moved. */
export const CHECKPOINT_MS = 1_000;

/** A step of the sealing leader (lib/jobs LEADERS.sealAudit): what it sealed, all lanes. */
export type TSealerStep = (client: TQueryable) => Promise<number>;

/**
 * The leader's step: seal a batch in every lane on the leader's own connection, and about every
 * second sign and store a checkpoint of each lane whose head moved (checkpoints.ts). Without a
 * usable signing key it goes on sealing, says why once, and tries the key again each time.
 */
export function createSealerStep(log: (line: string) => void = () => {}): TSealerStep {
  let checkpointAt = 0;
  let keyProblem = "";
  return async (client) => {
    const sealed = await sealLanes(client);
    if (Date.now() - checkpointAt >= CHECKPOINT_MS) {
      checkpointAt = Date.now();
      let key: TSigningKey | null = null;
      try {
        key = loadSigningKey({ create: true });
        keyProblem = "";
      } catch (e) {
        const why = (e as Error).message;
        if (why !== keyProblem) log(`audit checkpoints not signed: ${why}`);
        keyProblem = why;
      }
      if (key) await publishCheckpoints(client, key);
    }
    return sealed.config + sealed.data + sealed.execution;
  };
}
