import { NODE_TS } from "@/scripts/lib/node-ts";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import {
  auditAppendSql,
  AUDIT_LANES,
  getSealingStatus,
  sealLanes,
  sealNow,
  verifyAuditLane,
  writeAuditEvent,
  type TAuditInput,
} from "@/lib/audit";
import { checkHealth } from "@/lib/health";
import { appendMany } from "./fixtures/audit-bulk";
import { withClient } from "./fixtures/pg";

/**
 * Appends are plain INSERTs; the sealer links committed events into each lane's chain later
 * (lib/audit/seal.ts, migration …_audit_sealing). These tests hold it to its promises: every
 * event sealed exactly once, no gaps, in (xid, id) order — a transaction still open holds later
 * events back instead of being skipped — and a sealer killed mid-batch is replaced.
 */

const EVENT: Pick<TAuditInput, "action" | "payload"> = {
  action: "field_ownership.defined",
  payload: { fields: ["Opportunity.StageName"] },
};
const input = (label: string): TAuditInput => ({
  ...EVENT,
  actor: { type: "system" },
  subjectId: crypto.randomUUID(),
  reasonText: label,
});

const append = (label: string) =>
  db.$transaction((tx) => writeAuditEvent(tx, input(label))).then((r) => r.id);

const seqOf = async (ids: bigint[]) => {
  const rows = await db.auditEvent.findMany({
    where: { id: { in: ids } },
    select: { id: true, seq: true },
  });
  return ids.map((id) => rows.find((r) => r.id === id)?.seq ?? null);
};

/** A connection of its own (the owner's): a transaction that other tests' work must wait for. */
async function openClient() {
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  return c;
}

/** Every lane's sealed events are 1..head with no gap, and each chain verifies. */
async function expectIntactLanes() {
  const { rows } = await withClient((c) =>
    c.query<{ lane: string; n: number; distinct: number; max: number; head: number }>(
      `select e.lane::text as lane, count(*)::int as n, count(distinct e.seq)::int as distinct,
              max(e.seq)::int as max, h.seq as head
       from "AuditEvent" e join "AuditLaneHead" h on h.lane = e.lane
       where e.seq is not null group by e.lane, h.seq`,
    ),
  );
  for (const r of rows) expect(r, r.lane).toMatchObject({ n: r.max, distinct: r.max, head: r.max });
  for (const lane of AUDIT_LANES) {
    const v = await verifyAuditLane(lane);
    expect(v.broken, lane).toBeNull();
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | false>, ms = 60_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("audit sealing: the trigger and the function", () => {
  it("appends unsealed, seals once, and lets nobody re-seal or edit while sealing", async () => {
    const id = await append("unsealed at first");
    const [row] = await withClient((c) =>
      c.query(
        `select seq, hash, "prevHash", "contentHash", "sealedAt" from "AuditEvent" where id = $1`,
        [id],
      ),
    ).then((r) => r.rows);
    expect(row).toMatchObject({ seq: null, hash: null, prevHash: null, sealedAt: null });
    expect(row.contentHash).toMatch(/^[0-9a-f]{64}$/);

    // the owner (the trigger is for everyone): a "seal" that also edits content is refused,
    // and so is a half seal
    const fake = "1".repeat(64);
    await expect(
      withClient((c) =>
        c.query(
          `update "AuditEvent" set seq = 999999, "prevHash" = $2, hash = $2, "sealedAt" = now(),
             "reasonText" = 'edited while sealing' where id = $1`,
          [id, fake],
        ),
      ),
    ).rejects.toThrow(/append-only/);
    await expect(
      withClient((c) => c.query(`update "AuditEvent" set seq = 999999 where id = $1`, [id])),
    ).rejects.toThrow(/append-only|check constraint/);

    await sealNow();
    const [sealed] = await seqOf([id]);
    expect(sealed).toBeGreaterThan(0);
    // sealed once: a second seal of the same event is refused
    await expect(
      withClient((c) =>
        c.query(`update "AuditEvent" set seq = seq + 1000000, hash = $2 where id = $1`, [id, fake]),
      ),
    ).rejects.toThrow(/append-only/);
    // and the runtime role cannot update at all
    await expect(
      db.$executeRaw`update "AuditEvent" set "sealedAt" = now() where id = ${id}`,
    ).rejects.toThrow(/permission denied/);
    await expectIntactLanes();
  });

  it("holds later events back while an older transaction is open, then seals it first", async () => {
    const early = await openClient();
    const aborted = await openClient();
    try {
      // the early transaction has its id before the later events are even written
      await early.query("begin");
      await early.query("select pg_current_xact_id()");
      const later = [await append("later 1"), await append("later 2")];
      // a transaction that writes an event and rolls back
      await aborted.query("begin");
      const gone = auditAppendSql(input("rolled back"));
      const goneId = (await aborted.query(gone.text, gone.values)).rows[0].id as string;

      await withClient((c) => sealLanes(c));
      expect(await seqOf(later)).toEqual([null, null]);
      // shown as unsealed, with their age, on /audit and in /api/health
      const config = (await getSealingStatus()).find((l) => l.lane === "config")!;
      expect(config.unsealed).toBeGreaterThanOrEqual(2);
      expect(config.oldestUnsealedSecondsAgo).toBeGreaterThanOrEqual(0);
      const { body } = await checkHealth();
      expect(body.audit?.unsealed).toBeGreaterThanOrEqual(2);
      expect(body.audit?.oldestUnsealedSecondsAgo).toBeGreaterThanOrEqual(0);
      await expect(sealNow({ timeoutMs: 300 })).rejects.toThrow(
        /committed audit event\(s\) are still unsealed: an older transaction is open/,
      );
      expect(await seqOf(later)).toEqual([null, null]);

      // the early transaction writes its event now — after the later ones committed — and commits
      const sql = auditAppendSql(input("early, committed late"));
      const earlyId = BigInt((await early.query(sql.text, sql.values)).rows[0].id);
      await early.query("commit");
      await aborted.query("rollback");
      await sealNow();
      const [e, l1, l2] = await seqOf([earlyId, ...later]);
      // (xid, id) order: the early transaction's event first, none skipped, no gap
      expect([l1! - e!, l2! - e!]).toEqual([1, 2]);
      expect(await seqOf([BigInt(goneId)])).toEqual([null]);
      const after = (await getSealingStatus()).find((l) => l.lane === "config")!;
      expect(after).toMatchObject({ unsealed: 0, oldestUnsealedSecondsAgo: null });
      expect(after.lastSealAt).not.toBeNull();
      await expectIntactLanes();
    } finally {
      await early.end();
      await aborted.end();
    }
  });
});

type TChild = { name: string; child: ChildProcess; out: string; done: Promise<number> };

describe("audit sealing: writer processes and a leader that dies", () => {
  const children: TChild[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-audit-sealing-"));

  const startChild = (name: string, env: Record<string, string>) =>
    new Promise<TChild>((resolve, reject) => {
      const out = path.join(dir, `${name}.ids`);
      fs.writeFileSync(out, "");
      const child = spawn(
        process.execPath,
        [...NODE_TS, "tests/integration/fixtures/audit-writer-child.ts"],
        {
          stdio: ["ignore", "pipe", "inherit"],
          env: { ...process.env, CHILD_NAME: name, OUT_FILE: out, ...env },
        },
      );
      let text = "";
      let onDone: (n: number) => void = () => {};
      let onExit: (e: Error) => void = () => {};
      const done = new Promise<number>((res, rej) => {
        onDone = res;
        onExit = rej;
      });
      // a child that dies before it is done fails the test that waits for it
      done.catch(() => {});
      const c = { name, child, out, done };
      children.push(c);
      child.stdout!.on("data", (d: Buffer) => {
        text += d.toString();
        if (process.env.DEBUG_WORKERS) process.stderr.write(`[${name}] ${d.toString()}`);
        if (text.includes("ready\n")) resolve(c);
        const m = /done (\d+)\n/.exec(text);
        if (m) onDone(Number(m[1]));
      });
      child.once("exit", (code, signal) => {
        const e = new Error(`${name} exited (${code ?? signal}): ${text}`);
        reject(e);
        onExit(e);
      });
    });

  const stop = async (c: TChild, signal: NodeJS.Signals) => {
    if (c.child.exitCode !== null || c.child.signalCode) return;
    const gone = new Promise((r) => c.child.once("exit", r));
    c.child.kill(signal);
    await gone;
  };

  /** The child whose connection holds the sealer's advisory lock, or null. */
  const leader = async () => {
    const { rows } = await withClient((c) =>
      c.query<{ app: string; pid: number }>(
        `select a.application_name as app, a.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
         where l.locktype = 'advisory' and l.granted and l.objsubid = 2
           and l.database = (select oid from pg_database where datname = current_database())
           and a.application_name like 'tollgate-leader:audit-sealer:%'`,
      ),
    );
    if (!rows[0]) return null;
    const name = rows[0].app.split(":").pop()!;
    return { name, pid: rows[0].pid };
  };

  const ids = (c: TChild) =>
    fs
      .readFileSync(c.out, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((s) => BigInt(s));

  const unsealedAmong = async (list: bigint[]) =>
    (
      await withClient((c) =>
        c.query<{ n: number }>(
          `select count(*)::int as n from "AuditEvent" where id = any($1::bigint[]) and seq is null`,
          [list.map(String)],
        ),
      )
    ).rows[0].n;

  afterEach(async () => {
    for (const c of children.splice(0)) await stop(c, "SIGKILL");
  });

  it("32 writers in 2 processes for 10 s: every event sealed exactly once, no gap, chains verify", async () => {
    const env = { WRITERS: "16", SECONDS: "10", DB_POOL_SIZE: "17" };
    const [a, b] = await Promise.all([startChild("wa", env), startChild("wb", env)]);
    const [na, nb] = await Promise.all([a.done, b.done]);
    const written = [...ids(a), ...ids(b)];
    expect(written.length).toBe(na + nb);
    expect(written.length).toBeGreaterThan(32);
    expect(new Set(written.map(String)).size).toBe(written.length);
    // sealed by whichever child leads, not by this test
    await waitFor(
      "the leader to seal every event",
      async () => (await unsealedAmong(written)) === 0,
    );
    const { rows } = await withClient((c) =>
      c.query<{ n: number; seqs: number }>(
        `select count(*)::int as n, count(distinct (lane, seq))::int as seqs
         from "AuditEvent" where id = any($1::bigint[])`,
        [written.map(String)],
      ),
    );
    expect(rows[0]).toEqual({ n: written.length, seqs: written.length });
    expect(["wa", "wb"]).toContain((await leader())?.name);
    await expectIntactLanes();
  });

  it("kill -9 of the leader mid-batch: the other process takes over and the chain is intact", async () => {
    const [a, b] = await Promise.all([
      startChild("ka", { WRITERS: "0" }),
      startChild("kb", { WRITERS: "0" }),
    ]);
    const first = await waitFor("a leader", leader, 20_000);
    const survivor = first.name === "ka" ? b : a;
    const victim = first.name === "ka" ? a : b;

    // a backlog: 30,000 events written while an open transaction holds the horizon
    const hold = await openClient();
    const prefix = crypto.randomBytes(4).toString("hex");
    try {
      await hold.query("begin");
      await hold.query("select pg_current_xact_id()");
      await withClient((c) => appendMany(c, 30_000, { prefix }));
    } finally {
      await hold.query("commit");
      await hold.end();
    }
    // the leader is in a batch once its backend has a transaction id (the head row is locked)
    const inBatch = await waitFor(
      "the leader to be in a batch",
      async () => {
        const { rows } = await withClient((c) =>
          c.query(
            `select 1 from pg_stat_activity where pid = $1 and state = 'active'
               and backend_xid is not null and query like '%tollgate_seal_audit%'`,
            [first.pid],
          ),
        );
        return rows.length > 0;
      },
      20_000,
    );
    await stop(victim, "SIGKILL");
    expect(inBatch).toBe(true);

    const next = await waitFor(
      "another leader",
      async () => {
        const l = await leader();
        return l && l.pid !== first.pid ? l : null;
      },
      20_000,
    );
    expect(next.name).toBe(survivor.name);
    const backlog = await withClient((c) =>
      c.query<{ id: string }>(`select id from "AuditEvent" where "subjectId" like $1`, [
        `${prefix}-%`,
      ]),
    ).then((r) => r.rows.map((x) => BigInt(x.id)));
    expect(backlog).toHaveLength(30_000);
    await waitFor(
      "the new leader to seal the backlog",
      async () => (await unsealedAmong(backlog)) === 0,
    );
    await expectIntactLanes();
  });
});
