import { NODE_TS } from "@/scripts/lib/node-ts";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import {
  runAuditVerification,
  sealNow,
  verifyAuditLane,
  writeAuditEvent,
  type TCheckpointExport,
} from "@/lib/audit";
import { contentHash } from "@/lib/audit/hash-chain";
import { startLeaderLoops } from "@/lib/jobs/leader";
import { withClient } from "./fixtures/pg";
import { createTestDatabase } from "./test-database";

/**
 * Signed checkpoints (lib/audit/checkpoints.ts): the sealing leader signs each lane's head with
 * a key that is not in the database; a history rewritten with its head — every hash recomputed,
 * the stored checkpoints after it deleted — still verifies as a chain, and only a checkpoint
 * exported before the rewrite shows it. These tests make that forgery and catch it.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-audit-cp-"));
const keyFile = (name: string) => {
  const file = path.join(dir, `${name}.pem`);
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  fs.writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }) as string, {
    mode: 0o600,
  });
  return file;
};
const KEY = keyFile("installation");
const OTHER = keyFile("other");

function runCli(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [...NODE_TS, path.join(process.cwd(), "scripts", "tollgate.ts"), ...args],
      { env: { ...process.env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** As the owner with the append-only trigger off: what someone with the database could do. */
async function tamper(fn: (c: pg.Client) => Promise<void>) {
  await withClient(async (c) => {
    await c.query("begin");
    await c.query("set local session_replication_role = replica");
    await fn(c);
    await c.query("commit");
  });
}

async function appendConfig(n: number, label: string) {
  for (let i = 0; i < n; i++) {
    await db.$transaction((tx) =>
      writeAuditEvent(tx, {
        action: "field_ownership.defined",
        payload: { fields: ["Opportunity.StageName"] },
        actor: { type: "system" },
        subjectId: crypto.randomUUID(),
        reasonText: `${label} ${i}`,
      }),
    );
  }
  await sealNow();
}

const head = (lane: "config") => db.auditLaneHead.findUniqueOrThrow({ where: { lane } });

describe("audit checkpoints", () => {
  // a database of its own: the shared one has other files' workers, whose sealing leader would
  // sign with the default key (and these tests rewrite a lane's history)
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sharedUrl: string | undefined;
  beforeAll(async () => {
    sharedUrl = process.env.DATABASE_URL;
    database = await createTestDatabase("audit_cp");
    await disconnectDb();
    process.env.DATABASE_URL = database.url;
    vi.stubEnv("TOLLGATE_AUDIT_SIGNING_KEY_FILE", KEY);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await disconnectDb();
    process.env.DATABASE_URL = sharedUrl;
    await database.drop();
  });

  it("the sealing leader signs each lane's head about every second it moves", async () => {
    const leaders = startLeaderLoops({ workerId: "cp-test", log: () => {} });
    try {
      await appendConfig(3, "leader");
      const h = await head("config");
      const until = Date.now() + 30_000;
      while (!(await db.auditCheckpoint.findFirst({ where: { lane: "config", seq: h.seq } }))) {
        if (Date.now() > until) throw new Error("no checkpoint of the config head");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await leaders.stop();
    }
    const cp = await db.auditCheckpoint.findFirstOrThrow({
      where: { lane: "config" },
      orderBy: { seq: "desc" },
    });
    expect(cp.hash).toBe((await head("config")).hash);
    const v = await verifyAuditLane("config");
    expect(v.broken).toBeNull();
    expect(v.checkpoints.count).toBeGreaterThan(0);
    expect(v.checkpoints.signaturesChecked).toBe(v.checkpoints.count);
    expect(v.checkpoints.foreign).toBe(0);
  });

  it("prints the public key with its id; exports and verifies checkpoints through the CLI", async () => {
    const pub = await runCli(["audit", "public-key"]);
    expect(pub.code).toBe(0);
    expect(pub.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(pub.stderr).toMatch(/key id [0-9a-f]{16} \(sha256 [0-9a-f]{64}\)/);

    await appendConfig(2, "export");
    const out = path.join(dir, "export-ok.json");
    const exp = await runCli(["audit", "checkpoint", "export", "--out", out]);
    expect(exp.code).toBe(0);
    const file = JSON.parse(fs.readFileSync(out, "utf8")) as TCheckpointExport;
    expect(file.checkpoints.find((c) => c.lane === "config")?.seq).toBe((await head("config")).seq);
    const ok = await runCli(["audit", "verify", "--checkpoint", out]);
    expect(ok.stdout).toMatch(/checkpoint config seq \d+ \(signed .*\): ok/);
    expect(ok.code).toBe(0);

    // the same file checked against another key: reported as such, and a failure
    const pubOther = path.join(dir, "other.pub");
    fs.writeFileSync(
      pubOther,
      crypto
        .createPublicKey(fs.readFileSync(OTHER, "utf8"))
        .export({ type: "spki", format: "pem" }),
    );
    const foreign = await runCli([
      "audit",
      "verify",
      "--lane",
      "config",
      "--checkpoint",
      out,
      "--public-key",
      pubOther,
    ]);
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toMatch(/checkpoint config seq \d+ .*BROKEN: signed by another key/);
    expect(foreign.stdout).toMatch(/config: ok .*signed by another key \(not trusted\)/);

    // an edited file: its signature no longer holds
    const edited = path.join(dir, "export-edited.json");
    const cfg = file.checkpoints.find((c) => c.lane === "config")!;
    fs.writeFileSync(
      edited,
      JSON.stringify({ ...file, checkpoints: [{ ...cfg, seq: cfg.seq - 1 }] }),
    );
    const bad = await runCli(["audit", "verify", "--lane", "config", "--checkpoint", edited]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/BROKEN: its signature does not verify/);
  });

  it("a forged tail (events and head rewritten, hashes recomputed) fails against an exported checkpoint", async () => {
    await appendConfig(4, "before the export");
    const out = path.join(dir, "export-before-forgery.json");
    expect((await runCli(["audit", "checkpoint", "export", "--out", out])).code).toBe(0);
    const exported = (JSON.parse(fs.readFileSync(out, "utf8")) as TCheckpointExport).checkpoints;
    const signedSeq = exported.find((c) => c.lane === "config")!.seq;

    // the forger rewrites the last 3 events (and everything after them) consistently
    const from = signedSeq - 2;
    const original = await db.auditEvent.findMany({
      where: { lane: "config", seq: { gte: from } },
      orderBy: { seq: "asc" },
    });
    const before = await db.auditEvent.findFirstOrThrow({
      where: { lane: "config", seq: from - 1 },
    });
    const headBefore = await head("config");
    const checkpointsAfter = await withClient((c) =>
      c.query(
        `select row_to_json(c.*) as r from "AuditCheckpoint" c where lane = 'config' and seq >= $1`,
        [from],
      ),
    ).then((r) => r.rows.map((x) => x.r));

    const forge = async (dropCheckpoints: boolean) =>
      tamper(async (c) => {
        let prev = before.hash!;
        for (const e of original) {
          const forged = { ...e, reasonText: `${e.reasonText} (forged)` };
          const ch = contentHash(forged);
          const hash = crypto.createHash("sha256").update(`${prev}:${e.seq}:${ch}`).digest("hex");
          await c.query(
            `update "AuditEvent" set "reasonText" = $2, "contentHash" = $3, "prevHash" = $4, hash = $5 where id = $1`,
            [e.id.toString(), forged.reasonText, ch, prev, hash],
          );
          prev = hash;
        }
        await c.query(`update "AuditLaneHead" set hash = $1 where lane = 'config'`, [prev]);
        if (dropCheckpoints) {
          await c.query(`delete from "AuditCheckpoint" where lane = 'config' and seq >= $1`, [
            from,
          ]);
        }
      });
    const restore = () =>
      tamper(async (c) => {
        for (const e of original) {
          await c.query(
            `update "AuditEvent" set "reasonText" = $2, "contentHash" = $3, "prevHash" = $4, hash = $5 where id = $1`,
            [e.id.toString(), e.reasonText, e.contentHash, e.prevHash, e.hash],
          );
        }
        await c.query(`update "AuditLaneHead" set hash = $1 where lane = 'config'`, [
          headBefore.hash,
        ]);
        await c.query(`delete from "AuditCheckpoint" where lane = 'config' and seq >= $1`, [from]);
        for (const r of checkpointsAfter) {
          await c.query(
            `insert into "AuditCheckpoint" select * from json_populate_record(null::"AuditCheckpoint", $1::json)`,
            [JSON.stringify(r)],
          );
        }
      });

    try {
      // 1. the stored checkpoints left in place give the forgery away
      await forge(false);
      const kept = await verifyAuditLane("config");
      expect(kept.broken).toMatchObject({ kind: "checkpoint" });
      expect(kept.broken!.seq).toBeGreaterThanOrEqual(from);
      await restore();

      // 2. with them deleted too, the chain and its head verify: only the export can tell
      await forge(true);
      const [run] = await runAuditVerification({ lanes: ["config"], mode: "full", trigger: "cli" });
      expect(run.broken).toBeNull();
      const cli = await runCli(["audit", "verify", "--lane", "config", "--checkpoint", out]);
      expect(cli.code).toBe(1);
      expect(cli.stdout).toMatch(
        new RegExp(
          `checkpoint config seq ${signedSeq} \\(signed .*\\): BROKEN: the chain has another hash at seq ${signedSeq} .*was rewritten`,
        ),
      );
      // the other lanes' checkpoints in the file still hold
      expect(cli.stdout).not.toMatch(/checkpoint (data|execution) .*BROKEN/);
    } finally {
      await restore();
    }
    expect((await verifyAuditLane("config")).broken).toBeNull();
    expect((await runCli(["audit", "verify", "--lane", "config", "--checkpoint", out])).code).toBe(
      0,
    );
  });

  it("an edited stored checkpoint fails its signature", async () => {
    await appendConfig(1, "signature");
    // signs a checkpoint of the new head, as the leader would
    expect(
      (await runCli(["audit", "checkpoint", "export", "--out", path.join(dir, "x.json")])).code,
    ).toBe(0);
    const [cp] = (
      await withClient((c) =>
        c.query(`select id from "AuditCheckpoint" where lane = 'config' order by seq desc limit 1`),
      )
    ).rows;
    const shift = (by: string) =>
      tamper(async (c) => {
        await c.query(`update "AuditCheckpoint" set at = at + $2::interval where id = $1`, [
          cp.id,
          by,
        ]);
      });
    await shift("1 second");
    try {
      expect((await verifyAuditLane("config")).broken).toMatchObject({ kind: "signature" });
    } finally {
      await shift("-1 second");
    }
    expect((await verifyAuditLane("config")).broken).toBeNull();
  });
});
