import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectRuntimeClient, db, disconnectDb } from "@/lib/db";
import {
  EXPORT_PAGE,
  listAuditEvents,
  loadSigningKey,
  openAuditExport,
  publishCheckpoints,
  sealNow,
  verifyAuditEvent,
  writeAuditEvent,
  type TAuditInput,
  type TExportHeader,
} from "@/lib/audit";
import { checkSignature } from "@/lib/audit/checkpoints";
import { findBrokenLink } from "@/lib/audit/hash-chain";
import { checkExportLines } from "@/lib/audit/check-export";
import { publicKeyFromPem } from "@/lib/audit/signing-key";
import { AppError } from "@/lib/core/errors";
import { checksumId } from "@/lib/connectors/salesforce-sandbox/ids";
import { seedAgent, seedUser } from "@/lib/seed/seed-helpers";
import { appendMany } from "./fixtures/audit-bulk";
import { withClient } from "./fixtures/pg";
import { createTestDatabase } from "./test-database";

/**
 * The audit lanes explorer (lib/audit/explore.ts, verify-event.ts, export-lane.ts): every filter,
 * keyset paging, seal status, one event's verification (and an edited row caught), and the
 * export — its first line the lane's signed checkpoint, the rest the lane itself. A database of
 * its own: these tamper with rows and count whole lanes.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-audit-explorer-"));
const KEY = path.join(dir, "key.pem");
fs.writeFileSync(
  KEY,
  crypto
    .generateKeyPairSync("ed25519")
    .privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  { mode: 0o600 },
);

/** What someone with the owner's SQL could do: switch the append-only trigger off, then act. */
const tamper = (sql: string, params: unknown[] = []) =>
  withClient(async (c: pg.Client) => {
    await c.query("begin");
    await c.query("set local session_replication_role = replica");
    const out = await c.query(sql, params);
    await c.query("commit");
    return out;
  });

const write = (input: TAuditInput) => db.$transaction((tx) => writeAuditEvent(tx, input));

async function readAll(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>)
    text += decoder.decode(chunk, { stream: true });
  return text.trimEnd().split("\n");
}

describe("audit lanes explorer", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sharedUrl: string | undefined;
  const RECORD = checksumId("0068d00000AbCdE"); // an 18-character id; its 15-character form below
  const RECORD15 = RECORD.slice(0, 15);
  const at = (iso: string) => new Date(iso);
  let person: { id: string; name: string; email: string };
  let agent: { id: string; slug: string };
  const ids: Record<string, bigint> = {};

  beforeAll(async () => {
    sharedUrl = process.env.DATABASE_URL;
    database = await createTestDatabase("audit_explorer");
    await disconnectDb();
    process.env.DATABASE_URL = database.url;
    vi.stubEnv("TOLLGATE_AUDIT_SIGNING_KEY_FILE", KEY);
    person = await seedUser(db, { name: "Dana Reviewer", email: "dana@explorer.test" });
    const env = await db.environment.create({ data: { slug: "prod", name: "Production" } });
    agent = await seedAgent(db, { environmentId: env.id, ownerId: person.id, slug: "hygiene-bot" });
    // the data lane: a person's and an agent's field changes on one record, at known times
    ids.personChange = (
      await write({
        action: "field.changed",
        actor: { type: "user", userId: person.id },
        subjectId: "ar_person",
        object: "Opportunity",
        recordId: RECORD,
        field: "StageName",
        oldValue: "Prospecting",
        newValue: "Closed Won",
        reasonText: "customer signed",
        payload: {},
        at: at("2026-11-01T10:00:00.000Z"),
      })
    ).id;
    ids.agentChange = (
      await write({
        action: "field.changed",
        actor: { type: "agent", agentId: agent.id },
        subjectId: "ar_agent",
        object: "Opportunity",
        recordId: RECORD,
        field: "NextStep",
        newValue: "Send the order form",
        payload: {},
        at: at("2026-11-02T10:00:00.000Z"),
      })
    ).id;
    ids.agentRevert = (
      await write({
        action: "field.reverted",
        actor: { type: "agent", agentId: agent.id },
        subjectId: "ar_agent",
        object: "Opportunity",
        recordId: "0018d00000ZzZzZAAA",
        field: "Name",
        payload: {},
        at: at("2026-11-03T10:00:00.000Z"),
      })
    ).id;
    // the execution lane: enough system events for several pages, then the config lane
    await withClient((c) => appendMany(c, EXPORT_PAGE * 2 + 17, { prefix: "explorer" }));
    ids.config = (
      await write({
        action: "agent.created",
        actor: { type: "user", userId: person.id },
        subjectId: agent.id,
        payload: { slug: agent.slug, phase: "execute", owner: person.email },
      })
    ).id;
    await sealNow({ timeoutMs: 100_000 });
    const client = await connectRuntimeClient("explorer-test");
    try {
      await publishCheckpoints(client, loadSigningKey());
    } finally {
      await client.end();
    }
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await disconnectDb();
    process.env.DATABASE_URL = sharedUrl;
    await database.drop();
  });

  const list = async (q: Record<string, unknown>) => (await listAuditEvents(q)).events;
  const listIds = async (q: Record<string, unknown>) => (await list(q)).map((e) => e.id);

  it("lists one lane newest first, people and agents by name, each with its seal", async () => {
    const rows = await list({ lane: "data" });
    expect(rows.map((r) => r.id)).toEqual([
      String(ids.agentRevert),
      String(ids.agentChange),
      String(ids.personChange),
    ]);
    expect(rows[2]).toMatchObject({
      action: "field.changed",
      actor: { type: "user", name: "Dana Reviewer", detail: "dana@explorer.test" },
      recordId: RECORD,
      reasonText: "customer signed",
      seal: { sealed: true, seq: 1 },
    });
    expect(rows[0].actor).toEqual({ type: "agent", name: "hygiene-bot", detail: "hygiene-bot" });
    expect(await listIds({ lane: "config" })).toEqual([String(ids.config)]);
  });

  it.each([
    ["a person by email", { actor: "DANA@explorer.test" }, ["personChange"]],
    ["a person by name", { actor: "dana reviewer" }, ["personChange"]],
    ["an agent by slug", { actor: "hygiene-bot" }, ["agentRevert", "agentChange"]],
    ["nobody by that name", { actor: "nobody" }, []],
    [
      "a subject",
      { subjectType: "action_request", subjectId: "ar_agent" },
      ["agentRevert", "agentChange"],
    ],
    ["an exact action", { action: "field.changed" }, ["agentChange", "personChange"]],
    ["an action prefix", { action: "field." }, ["agentRevert", "agentChange", "personChange"]],
    ["a prefix matching nothing", { action: "field_" }, []],
    ["an 18-character record id", { recordId: RECORD }, ["agentChange", "personChange"]],
    ["its 15-character form", { recordId: RECORD15 }, ["agentChange", "personChange"]],
    ["a time range", { from: "2026-11-01T12:00:00Z", to: "2026-11-03T00:00:00Z" }, ["agentChange"]],
    ["from alone", { from: "2026-11-02T10:00:00.000Z" }, ["agentRevert", "agentChange"]],
    ["to alone (exclusive)", { to: "2026-11-02T10:00:00.000Z" }, ["personChange"]],
    ["filters together", { actor: "hygiene-bot", action: "field.changed" }, ["agentChange"]],
  ])("filters the data lane by %s", async (_name, filter, expected) => {
    expect(await listIds({ lane: "data", ...filter })).toEqual(expected.map((k) => String(ids[k])));
  });

  it("filters by the system actor", async () => {
    const rows = await list({ lane: "execution", actor: "system", limit: 3 });
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.actor.type === "system")).toBe(true);
    expect(await listIds({ lane: "data", actor: "system" })).toEqual([]);
  });

  it("pages a lane by keyset: every event once, in order, the last page without a cursor", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listAuditEvents({ lane: "execution", limit: 200, cursor });
      seen.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    const total = EXPORT_PAGE * 2 + 17;
    expect(pages).toBe(Math.ceil(total / 200));
    expect(new Set(seen).size).toBe(total);
    const sorted = [...seen].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1));
    expect(seen).toEqual(sorted);
  });

  it("shows an event not sealed yet with its age, and sealed once the sealer links it", async () => {
    const { id } = await write({
      action: "field.changed",
      actor: { type: "system" },
      subjectId: "ar_unsealed",
      payload: {},
    });
    const [row] = await list({ lane: "data", subjectId: "ar_unsealed" });
    expect(row.seal).toMatchObject({ sealed: false });
    expect(row.seal.sealed === false && row.seal.ageSeconds).toBeGreaterThanOrEqual(0);
    expect((await verifyAuditEvent(String(id))).checked).toEqual({
      content: "ok",
      prev: "not sealed",
      link: "not sealed",
    });
    await sealNow();
    const [sealed] = await list({ lane: "data", subjectId: "ar_unsealed" });
    expect(sealed.seal).toMatchObject({ sealed: true, seq: 4 });
  });

  it.each([
    ["an unknown lane", { lane: "billing" }, "lane"],
    ["no lane", {}, "lane"],
    ["a record id of 16 characters", { lane: "data", recordId: "0068d00000AbCdEF" }, "recordId"],
    ["an action with a wildcard", { lane: "data", action: "field.%" }, "action"],
    ["a time that is not one", { lane: "data", from: "yesterday" }, "from"],
    [
      "from after to",
      { lane: "data", from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z" },
      "to",
    ],
    ["a cursor that is not an id", { lane: "data", cursor: "1 or 1=1" }, "cursor"],
    ["a limit too large", { lane: "data", limit: "5000" }, "limit"],
    ["an unknown parameter", { lane: "data", sort: "asc" }, ""],
  ])("refuses %s with invalid_query", async (_name, q, field) => {
    const err = await listAuditEvents(q).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "invalid_query", status: 400 });
    expect((err as AppError).details?.errors?.map((e) => e.path)).toContain(field);
  });

  it("verifies one sealed event: content and link hold", async () => {
    expect(await verifyAuditEvent(String(ids.agentChange))).toMatchObject({
      ok: true,
      lane: "data",
      seq: 2,
      problems: [],
      checked: { content: "ok", prev: "ok", link: "ok" },
    });
    await expect(verifyAuditEvent("999999999")).rejects.toMatchObject({ code: "not_found" });
    await expect(verifyAuditEvent("abc")).rejects.toMatchObject({ code: "not_found" });
  });

  it("catches an edited row, and a neighbour whose hash was edited", async () => {
    const id = String(ids.agentChange);
    await tamper(`update "AuditEvent" set "newValue" = '"Wire the money"' where id = $1`, [id]);
    try {
      const r = await verifyAuditEvent(id);
      expect(r).toMatchObject({
        ok: false,
        checked: { content: "differs", prev: "ok", link: "differs" },
      });
      expect(r.problems.join(" ")).toMatch(/content no longer matches/);
      // the events around it still hold on their own
      expect((await verifyAuditEvent(String(ids.personChange))).ok).toBe(true);
    } finally {
      await tamper(`update "AuditEvent" set "newValue" = '"Send the order form"' where id = $1`, [
        id,
      ]);
    }
    expect((await verifyAuditEvent(id)).ok).toBe(true);
    const { rows } = await tamper(`select hash from "AuditEvent" where id = $1`, [
      ids.personChange,
    ]);
    await tamper(`update "AuditEvent" set hash = $2 where id = $1`, [
      ids.personChange,
      "f".repeat(64),
    ]);
    try {
      const next = await verifyAuditEvent(id);
      expect(next).toMatchObject({
        ok: false,
        checked: { content: "ok", prev: "differs", link: "ok" },
      });
      expect(next.problems.join(" ")).toMatch(/prevHash is not the hash of seq 1/);
    } finally {
      await tamper(`update "AuditEvent" set hash = $2 where id = $1`, [
        ids.personChange,
        rows[0].hash,
      ]);
    }
  });

  it("exports a lane: the signed checkpoint first, then the lane in seq order up to it", async () => {
    const { stream, header } = await openAuditExport({ lane: "execution" });
    const lines = await readAll(stream);
    const first = JSON.parse(lines[0]) as TExportHeader;
    expect(first).toEqual(JSON.parse(JSON.stringify(header)));
    const total = EXPORT_PAGE * 2 + 17;
    expect(first).toMatchObject({ lane: "execution", throughSeq: total });
    expect(first.checkpoints).toHaveLength(1);
    const cp = first.checkpoints[0];
    // the signature checks offline with the public key the line carries
    const key = publicKeyFromPem(first.publicKey!, "export");
    expect(first.keyId).toBe(key.keyId);
    expect(checkSignature({ ...cp, lane: "execution", at: new Date(cp.at) }, key)).toBe("ok");
    // the rest is the lane, every event once in seq order, re-hashing to the signed head
    const events = lines.slice(1).map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const stored = await db.auditEvent.findMany({
      where: { lane: "execution" },
      orderBy: { seq: "asc" },
      select: { id: true, seq: true, hash: true, subjectId: true },
    });
    expect(events.map((e) => [e.id, e.seq, e.hash, e.subjectId])).toEqual(
      stored.map((s) => [String(s.id), s.seq, s.hash, s.subjectId]),
    );
    expect(findBrokenLink(events)).toBeNull();
    expect(events[events.length - 1].hash).toBe(cp.hash);
    // `tollgate audit verify-export`: the same checks without the database
    expect(await checkExportLines(lines)).toMatchObject({
      lane: "execution",
      events: total,
      checkpoint: { seq: total, signature: "ok" },
      keyFromFile: true,
      filtered: false,
      problems: [],
    });
    const forged = [...lines];
    forged[EXPORT_PAGE + 5] = forged[EXPORT_PAGE + 5].replace('"system"', '"user"');
    expect((await checkExportLines(forged)).broken).toMatchObject({
      seq: EXPORT_PAGE + 5,
      kind: "content_hash",
    });
    expect((await checkExportLines(lines.slice(0, -1))).problems.join(" ")).toMatch(
      /the events end at seq/,
    );
  });

  it("exports a filtered lane, and a forged event no longer re-hashes", async () => {
    const { stream } = await openAuditExport({ lane: "data", actor: "hygiene-bot" });
    const lines = await readAll(stream);
    const events = lines.slice(1).map((l) => JSON.parse(l));
    expect(events.map((e) => e.id)).toEqual([String(ids.agentChange), String(ids.agentRevert)]);
    // each line holds its own link: prevHash, seq and content give its hash
    expect(findBrokenLink([events[0]], events[0].prevHash)).toBeNull();
    expect(
      findBrokenLink([{ ...events[0], newValue: "forged" }], events[0].prevHash),
    ).toMatchObject({
      kind: "content_hash",
    });
  });

  it("refuses an export with a bad filter before streaming anything", async () => {
    await expect(openAuditExport({ lane: "data", recordId: "x" })).rejects.toMatchObject({
      code: "invalid_query",
    });
  });
});
