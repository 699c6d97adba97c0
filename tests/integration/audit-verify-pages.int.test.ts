import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectDb } from "@/lib/db";
import { runAuditVerification, sealNow, verifyAuditLane } from "@/lib/audit";
import { WALK_PAGE } from "@/lib/audit/verify-lane";
import { appendMany } from "./fixtures/audit-bulk";
import { withClient } from "./fixtures/pg";
import { createTestDatabase } from "./test-database";

/**
 * The walk reads a lane a page (WALK_PAGE rows) ahead of its hashing: a lane of several pages
 * must break where it breaks — in the middle of a page, on the first or the last event of one —
 * with the events before the break counted as checked. A database of its own: these tamper with
 * a lane.
 */
describe("audit verification over many pages", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sharedUrl: string | undefined;
  const EVENTS = WALK_PAGE * 3 + 123;

  /** What someone with the owner's SQL could do: switch the append-only trigger off, then act. */
  const tamper = (sql: string, params: unknown[] = []) =>
    withClient(async (c) => {
      await c.query("begin");
      await c.query("set local session_replication_role = replica");
      const out = await c.query(sql, params);
      await c.query("commit");
      return out;
    });

  /** Change one event's column, verify, put it back: the break found. */
  async function brokenWith(seq: number, column: string, value: string) {
    const { rows } = await tamper(
      `select "${column}" as was from "AuditEvent" where lane = 'execution' and seq = $1`,
      [seq],
    );
    await tamper(`update "AuditEvent" set "${column}" = $2 where lane = 'execution' and seq = $1`, [
      seq,
      value,
    ]);
    try {
      return await verifyAuditLane("execution");
    } finally {
      await tamper(
        `update "AuditEvent" set "${column}" = $2 where lane = 'execution' and seq = $1`,
        [seq, rows[0].was],
      );
    }
  }

  beforeAll(async () => {
    sharedUrl = process.env.DATABASE_URL;
    database = await createTestDatabase("audit_pages");
    await disconnectDb();
    process.env.DATABASE_URL = database.url;
    await withClient((c: pg.Client) => appendMany(c, EVENTS, { prefix: "pages" }));
    // every one of them (a transaction open anywhere on the server holds the horizon back: wait)
    await sealNow({ lanes: ["execution"], timeoutMs: 100_000 });
  });
  afterAll(async () => {
    await disconnectDb();
    process.env.DATABASE_URL = sharedUrl;
    await database.drop();
  });

  it("walks every event of an intact lane of several pages", async () => {
    const r = await verifyAuditLane("execution");
    expect(r).toMatchObject({ ok: true, checked: EVENTS, lastSeq: EVENTS, eventCount: EVENTS });
    expect(r.lastHash).toBe(r.head.hash);
  });

  it.each([
    ["in the middle of a page", WALK_PAGE + 777],
    ["on the first event of a page", WALK_PAGE * 2 + 1],
    ["on the last event of a page", WALK_PAGE * 2],
    ["on the last event of the lane", EVENTS],
  ])("finds a changed event %s", async (_where, seq) => {
    const r = await brokenWith(seq, "reasonText", "tampered");
    expect(r.broken).toMatchObject({ seq, kind: "content_hash" });
    expect(r).toMatchObject({ ok: false, checked: seq - 1, lastSeq: seq - 1 });
  });

  it("finds a changed payload (a json column) in the middle of a page", async () => {
    const seq = WALK_PAGE * 3 + 50;
    const r = await brokenWith(
      seq,
      "payload",
      JSON.stringify({ windowStart: "2026-01-01T00:00:00.000Z", counter: "refused_hour" }),
    );
    expect(r.broken).toMatchObject({ seq, kind: "content_hash" });
  });

  it("finds a link broken across two pages", async () => {
    const seq = WALK_PAGE + 1;
    const r = await brokenWith(seq, "prevHash", "0".repeat(64));
    expect(r.broken).toMatchObject({ seq, kind: "link" });
    expect(r.checked).toBe(WALK_PAGE);
  });

  it("finds an event deleted at a page boundary, and the lanes walked together", async () => {
    const seq = WALK_PAGE * 2 + 1;
    const { rows } = await tamper(
      `delete from "AuditEvent" where lane = 'execution' and seq = $1 returning row_to_json("AuditEvent".*) as r`,
      [seq],
    );
    try {
      const r = await verifyAuditLane("execution");
      expect(r.broken).toMatchObject({
        seq: seq + 1,
        kind: "gap",
        detail: `expected seq ${seq}, found ${seq + 1}`,
      });
      expect(r.checked).toBe(seq - 1);
      // every lane at once (runAuditVerification walks them in parallel): each its own result
      const runs = await runAuditVerification({ mode: "full", trigger: "cli" });
      expect(runs.map((x) => [x.lane, x.ok])).toEqual([
        ["config", true],
        ["data", true],
        ["execution", false],
      ]);
    } finally {
      await withClient((c) =>
        c.query(
          `insert into "AuditEvent" select * from json_populate_record(null::"AuditEvent", $1::json)`,
          [JSON.stringify(rows[0].r)],
        ),
      );
    }
    expect((await verifyAuditLane("execution")).ok).toBe(true);
  });
});
