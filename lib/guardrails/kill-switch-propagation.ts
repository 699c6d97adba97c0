import "server-only";
import pg from "pg";
import { db } from "@/lib/db";
import { assumeRuntimeRole } from "@/lib/db/pool";
import { requireEnv } from "@/lib/env";
import type { TLiveInstance } from "@/lib/health/heartbeat";
import { KILL_SWITCH_ACK_CHANNEL } from "./kill-switch-listener";

/** How long a trip's answer waits for every live instance to acknowledge it. */
export const ACK_WAIT_MS = 1_000;
/** Acknowledgements are read again at least this often (a notice could be missed). */
const POLL_MS = 50;

export type TPropagation = {
  /** the trip's change id, as the instances' acknowledgements name it */
  change: string;
  /** live instances (web servers and workers) when the trip committed */
  instances: number;
  /** each with the time from the trip's commit to its acknowledgement (database clock) */
  acknowledged: { instance: string; kind: string; ms: number }[];
  /** live at the trip but silent within the wait: frozen, partitioned, or its listener down */
  unacknowledged: {
    instance: string;
    kind: string;
    host: string;
    pid: number;
    listening: boolean;
    lastBeatSecondsAgo: number;
  }[];
  waitedMs: number;
};

/**
 * A connection listening for acknowledgements, opened before the trip commits so none is
 * missed; null when it could not connect (the wait then reads the table only).
 */
export async function openAckListener(): Promise<{
  notified: () => Promise<void>;
  close: () => Promise<void>;
} | null> {
  const client = new pg.Client({
    connectionString: requireEnv("DATABASE_URL"),
    application_name: "tollgate:kill-switch-trip",
  });
  let signal: () => void = () => {};
  let next = new Promise<void>((r) => (signal = r));
  client.on("notification", () => {
    signal();
    next = new Promise<void>((r) => (signal = r));
  });
  client.on("error", () => signal());
  try {
    await client.connect();
    await assumeRuntimeRole(client);
    await client.query(`LISTEN ${KILL_SWITCH_ACK_CHANNEL}`);
  } catch {
    await client.end().catch(() => {});
    return null;
  }
  return { notified: () => next, close: () => client.end().catch(() => {}) };
}

/**
 * Wait (at most `ACK_WAIT_MS`) until every instance live at the trip has acknowledged `change`,
 * and say who did and who did not. Instances that stopped cleanly meanwhile (their row is gone)
 * are not waited for.
 */
export async function awaitAcknowledgements(opts: {
  change: string;
  expected: TLiveInstance[];
  committedAt: Date;
  listener: Awaited<ReturnType<typeof openAckListener>>;
  waitMs?: number;
}): Promise<TPropagation> {
  const started = performance.now();
  const deadline = started + (opts.waitMs ?? ACK_WAIT_MS);
  const acked = new Map<string, Date>();
  const ids = opts.expected.map((i) => i.id);
  let gone = new Set<string>();
  const read = async () => {
    if (!ids.length) return;
    const rows = await db.$queryRaw<{ instanceId: string; ackedAt: Date }[]>`
      select "instanceId", "ackedAt" from "KillSwitchAck"
      where "changeId" = ${opts.change} and "instanceId" = any(${ids})`;
    for (const r of rows) acked.set(r.instanceId, r.ackedAt);
  };
  const waiting = () => ids.filter((id) => !acked.has(id) && !gone.has(id));
  try {
    await read();
    while (waiting().length && performance.now() < deadline) {
      const left = deadline - performance.now();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        opts.listener?.notified(),
        new Promise((r) => (timer = setTimeout(r, Math.min(POLL_MS, left)))),
      ]).finally(() => clearTimeout(timer));
      await read();
    }
    const missing = waiting();
    if (missing.length) {
      const still = await db.runtimeInstance.findMany({
        where: { id: { in: missing } },
        select: { id: true },
      });
      gone = new Set(missing.filter((id) => !still.some((s) => s.id === id)));
    }
  } finally {
    await opts.listener?.close();
  }
  const ms = (at: Date) => Math.max(0, at.getTime() - opts.committedAt.getTime());
  return {
    change: opts.change,
    instances: opts.expected.length,
    acknowledged: opts.expected
      .filter((i) => acked.has(i.id))
      .map((i) => ({ instance: i.id, kind: i.kind, ms: ms(acked.get(i.id)!) })),
    unacknowledged: opts.expected
      .filter((i) => !acked.has(i.id) && !gone.has(i.id))
      .map((i) => ({
        instance: i.id,
        kind: i.kind,
        host: i.host,
        pid: i.pid,
        listening: i.listening,
        lastBeatSecondsAgo: Math.round(i.lastBeatSecondsAgo * 10) / 10,
      })),
    waitedMs: Math.round(performance.now() - started),
  };
}
