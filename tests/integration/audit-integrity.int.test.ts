import { NODE_TS } from "@/scripts/lib/node-ts";
import http from "node:http";
import crypto from "node:crypto";
import path from "node:path";
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { grantRuntimeRole } from "@/lib/db/admin";
import {
  listBrokenLanes,
  runAuditVerification,
  sealNow,
  verifyAuditLane,
  verifyAuditOnSchedule,
  writeAuditEvent,
  type TAuditInput,
  type TAuditLane,
} from "@/lib/audit";
import { getBoss, stopBoss } from "@/lib/execution/queue";
import { encryptSecret } from "@/lib/core/secrets";
import { verifySignature, SIGNATURE_HEADER } from "@/lib/webhooks/signing";
import { withClient } from "./fixtures/pg";

const APPEND_FN = `tollgate_append_audit(text, timestamp, text, text, text, text, text, text, text, text, text, text, jsonb, jsonb, text, text, jsonb, jsonb, jsonb, text)`;

/** What someone with the owner's SQL could do: switch the append-only trigger off, then act. */
async function tamper(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  return withClient(async (c) => {
    await c.query("begin");
    await c.query("set local session_replication_role = replica");
    const out = await c.query(sql, params);
    await c.query("commit");
    return out;
  });
}

/** A registered action on each lane with a payload that fits it (lib/audit/events.ts). */
const FILLER: Record<TAuditLane, Pick<TAuditInput, "action" | "payload">> = {
  config: { action: "field_ownership.defined", payload: { fields: ["Opportunity.StageName"] } },
  data: { action: "field.changed", payload: {} },
  execution: {
    action: "agent.rate_limited",
    payload: { windowStart: "2026-01-01T00:00:00.000Z", counter: "refused_minute" },
  },
};

/** Append `n` events to a lane, one transaction each, and seal them: their seq and hash. */
async function append(lane: TAuditLane, n: number) {
  const ids: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = await db.$transaction((tx) =>
      writeAuditEvent(tx, {
        ...FILLER[lane],
        actor: { type: "system" },
        subjectId: crypto.randomUUID(),
        reasonText: `event ${i}`,
      }),
    );
    ids.push(id);
  }
  await sealNow();
  const rows = await db.auditEvent.findMany({
    where: { id: { in: ids } },
    orderBy: { seq: "asc" },
  });
  return rows.map((r) => ({ seq: r.seq!, hash: r.hash! }));
}

/** Delete a lane's events from `seq` on (as the owner), returning a function that puts them back. */
async function deleteFrom(lane: TAuditLane, seq: number) {
  const { rows } = await tamper(
    `delete from "AuditEvent" where lane = $1 and seq >= $2 returning row_to_json("AuditEvent".*) as r`,
    [lane, seq],
  );
  return () =>
    withClient(async (c) => {
      for (const { r } of rows)
        await c.query(
          `insert into "AuditEvent" select * from json_populate_record(null::"AuditEvent", $1::json)`,
          [JSON.stringify(r)],
        );
    });
}

describe("audit integrity: the runtime role", () => {
  beforeAll(async () => {
    await append("config", 2);
    await append("data", 1);
  });
  afterAll(async () => {
    await stopBoss();
  });

  it("runs the app's queries and pg-boss's as tollgate_runtime, not the login user", async () => {
    const [me] = await db.$queryRaw<{ cu: string; su: string }[]>`
      select current_user::text as cu, session_user::text as su`;
    expect(me).toEqual({ cu: "tollgate_runtime", su: "postgres" });
    const boss = await getBoss();
    const { rows } = await boss.getDb().executeSql("select current_user::text as cu", []);
    expect(rows[0].cu).toBe("tollgate_runtime");
  });

  it.each([
    ["session_replication_role = replica", `set session_replication_role = replica`],
    [
      "session_replication_role in a transaction",
      `begin; set local session_replication_role = replica; commit`,
    ],
    [
      "UPDATE of an audit event",
      `update "AuditEvent" set "reasonText" = 'x' where lane = 'config' and seq = 1`,
    ],
    ["DELETE of an audit event", `delete from "AuditEvent" where lane = 'config' and seq >= 1`],
    ["TRUNCATE", `truncate "AuditEvent"`],
    [
      "switching the trigger off",
      `alter table "AuditEvent" disable trigger "AuditEvent_append_only"`,
    ],
    ["dropping the trigger", `drop trigger "AuditEvent_append_only" on "AuditEvent"`],
    [
      "an INSERT that skips the chain function",
      `insert into "AuditEvent" (lane, seq, "actorType", action, "subjectType", "subjectId", "prevHash", hash)
       values ('config', 999999, 'system', 'x', 'x', 'x', 'x', 'x')`,
    ],
    ["rewriting a lane head", `update "AuditLaneHead" set seq = seq - 1 where lane = 'config'`],
    [
      "turning the append function into SECURITY INVOKER",
      `alter function ${APPEND_FN} security invoker`,
    ],
    ["rewriting a verification run", `update "AuditVerificationRun" set ok = true`],
    ["deleting verification runs", `delete from "AuditVerificationRun"`],
  ])("refuses %s", async (_name, sql) => {
    const before = await withClient((c) =>
      c.query(`select count(*)::int as n, max(seq) as s from "AuditEvent" where lane = 'config'`),
    );
    await expect(db.$executeRawUnsafe(sql)).rejects.toThrow(
      /permission denied|must be owner|42501/,
    );
    const after = await withClient((c) =>
      c.query(`select count(*)::int as n, max(seq) as s from "AuditEvent" where lane = 'config'`),
    );
    expect(after.rows).toEqual(before.rows);
  });

  it("refuses the same through Prisma's model API", async () => {
    // the app's runtime role may only read audit rows, in every lane
    for (const lane of ["config", "data"] as const) {
      const e = await db.auditEvent.findFirstOrThrow({ where: { lane } });
      await expect(
        db.auditEvent.update({ where: { id: e.id }, data: { reasonText: "tampered" } }),
      ).rejects.toThrow(/permission denied/);
      await expect(db.auditEvent.delete({ where: { id: e.id } })).rejects.toThrow(
        /permission denied/,
      );
    }
    await expect(
      db.auditLaneHead.update({ where: { lane: "config" }, data: { seq: 0 } }),
    ).rejects.toThrow(/permission denied/);
  });

  it("still appends through tollgate_append_audit (SECURITY DEFINER) and the lanes verify", async () => {
    await append("data", 3);
    await append("execution", 3);
    for (const lane of ["config", "data", "execution"] as const) {
      const r = await verifyAuditLane(lane);
      expect(r.broken, lane).toBeNull();
      expect(r.lastSeq).toBe(r.head.seq);
      expect(r.checked).toBe(r.eventCount);
    }
  });

  it("keeps the owner's append-only trigger for everyone else", async () => {
    await expect(
      withClient((c) => c.query(`update "AuditEvent" set "reasonText" = 'x' where seq = 1`)),
    ).rejects.toThrow(/append-only/);
  });

  it("creates the role race-safely and grants it to the migrating user", async () => {
    const role = `tollgate_rt_${crypto.randomBytes(3).toString("hex")}`;
    try {
      await Promise.all([1, 2, 3].map(() => grantRuntimeRole(process.env.DATABASE_URL!, role)));
      const { rows } = await withClient((c) =>
        c.query(
          `select has_table_privilege($1, '"AuditEvent"', 'SELECT') as sel,
                  has_table_privilege($1, '"AuditEvent"', 'INSERT') as ins,
                  has_table_privilege($1, '"AuditEvent"', 'UPDATE') as upd,
                  has_table_privilege($1, '"AuditLaneHead"', 'UPDATE') as head,
                  has_table_privilege($1, '"ActionRequest"', 'UPDATE') as ar,
                  has_function_privilege($1, $2, 'EXECUTE') as fn,
                  (select rolcanlogin from pg_roles where rolname = $1) as login`,
          [role, APPEND_FN],
        ),
      );
      expect(rows[0]).toEqual({
        sel: true,
        ins: false,
        upd: false,
        head: false,
        ar: true,
        fn: true,
        login: false,
      });
    } finally {
      await withClient(async (c) => {
        await c.query(`drop owned by ${role}`);
        await c.query(`drop role ${role}`);
      });
    }
  });

  it("tells a DATABASE_URL user that cannot create roles what to do, in one message", async () => {
    const user = `tollgate_nocreate_${crypto.randomBytes(3).toString("hex")}`;
    // with a password: the embedded PostgreSQL authenticates by password, the machine's trusts
    const password = crypto.randomBytes(12).toString("hex");
    await withClient((c) => c.query(`create role ${user} login password '${password}'`));
    try {
      const url = new URL(process.env.DATABASE_URL!);
      url.username = user;
      url.password = password;
      await expect(
        grantRuntimeRole(url.toString(), `tollgate_rt_${crypto.randomBytes(3).toString("hex")}`),
      ).rejects.toThrow(/DATABASE_URL's user cannot create the role .*CREATE ROLE .* NOLOGIN/s);
    } finally {
      await withClient((c) => c.query(`drop role ${user}`));
    }
  });

  it("refuses a runtime role that is a superuser or the owner itself", async () => {
    await expect(grantRuntimeRole(process.env.DATABASE_URL!, "postgres")).rejects.toThrow(
      /superuser/,
    );
  });
});

describe("audit integrity: verification against the head", () => {
  it("detects deleting the newest events of a lane (the chain before them is intact)", async () => {
    const added = await append("execution", 3);
    const restore = await deleteFrom("execution", added[1].seq);
    try {
      const r = await verifyAuditLane("execution");
      expect(r.ok).toBe(false);
      expect(r.broken).toMatchObject({ seq: added[1].seq, kind: "truncated" });
      expect(r.head.seq).toBe(added[2].seq);
      expect(r.lastSeq).toBe(added[0].seq);
    } finally {
      await restore();
    }
    expect((await verifyAuditLane("execution")).broken).toBeNull();
  });

  it("detects a changed event (content) at its seq", async () => {
    const [, mid] = await append("data", 3);
    const { rows } = await tamper(
      `update "AuditEvent" set "reasonText" = 'tampered' where lane = 'data' and seq = $1
       returning (select "reasonText" from "AuditEvent" where lane = 'data' and seq = $1) as was`,
      [mid.seq],
    );
    try {
      expect((await verifyAuditLane("data")).broken).toMatchObject({
        seq: mid.seq,
        kind: "content_hash",
      });
    } finally {
      await tamper(`update "AuditEvent" set "reasonText" = $2 where lane = 'data' and seq = $1`, [
        mid.seq,
        rows[0].was,
      ]);
    }
    expect((await verifyAuditLane("data")).broken).toBeNull();
  });

  it("detects a rewritten head and a re-linked event", async () => {
    const [a, b] = await append("config", 2);
    await tamper(`update "AuditLaneHead" set hash = $1 where lane = 'config'`, [a.hash]);
    try {
      expect((await verifyAuditLane("config")).broken).toMatchObject({
        seq: b.seq,
        kind: "head_mismatch",
      });
    } finally {
      await tamper(`update "AuditLaneHead" set hash = $1 where lane = 'config'`, [b.hash]);
    }
    await tamper(`update "AuditEvent" set "prevHash" = $2 where lane = 'config' and seq = $1`, [
      b.seq,
      "0".repeat(64),
    ]);
    try {
      expect((await verifyAuditLane("config")).broken).toMatchObject({ seq: b.seq, kind: "link" });
    } finally {
      await tamper(`update "AuditEvent" set "prevHash" = $2 where lane = 'config' and seq = $1`, [
        b.seq,
        a.hash,
      ]);
    }
  });

  it("walks only new events from a checkpoint, yet finds a deletion below it", async () => {
    await runAuditVerification({ lanes: ["data"], mode: "full", trigger: "cli" });
    const added = await append("data", 4);
    const inc = await runAuditVerification({
      lanes: ["data"],
      mode: "incremental",
      trigger: "cli",
    });
    expect(inc[0]).toMatchObject({ ok: true, mode: "incremental", checked: 4 });

    // a middle event (below the checkpoint now) goes: the count says so, a full walk says where
    const { rows } = await tamper(
      `delete from "AuditEvent" where lane = 'data' and seq = $1 returning row_to_json("AuditEvent".*) as r`,
      [added[1].seq],
    );
    try {
      const r = await runAuditVerification({
        lanes: ["data"],
        mode: "incremental",
        trigger: "cli",
      });
      expect(r[0].broken).toMatchObject({ seq: added[2].seq, kind: "gap" });
    } finally {
      await withClient((c) =>
        c.query(
          `insert into "AuditEvent" select * from json_populate_record(null::"AuditEvent", $1::json)`,
          [JSON.stringify(rows[0].r)],
        ),
      );
    }
    const again = await runAuditVerification({ lanes: ["data"], mode: "full", trigger: "cli" });
    expect(again[0].ok).toBe(true);
  });
});

describe("audit integrity: schedule, alert, banner and CLI", () => {
  const groupKey = `audit_oncall_${crypto.randomBytes(3).toString("hex")}`;
  const secret = "whsec_audit_integrity_test";
  const hits: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let server: http.Server;
  let url = "";

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        hits.push({ headers: req.headers, body });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`;
    await db.approverGroup.create({
      data: {
        key: groupKey,
        name: "Audit on-call",
        webhookUrl: url,
        webhookSecretEnc: encryptSecret(secret),
      },
    });
    vi.stubEnv("TOLLGATE_AUDIT_ALERT_GROUP", groupKey);
    vi.stubEnv("TOLLGATE_ALLOW_LOOPBACK", "1");
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await db.webhookDelivery.deleteMany({ where: { url } });
    await db.approverGroup.delete({ where: { key: groupKey } });
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const due = () => db.auditLaneVerification.updateMany({ data: { nextRunAt: new Date(0) } });

  it("runs when due, once among workers, and records each lane", async () => {
    await due();
    const first = await verifyAuditOnSchedule({ force: true });
    expect(first.map((r) => [r.lane, r.ok]).sort()).toEqual([
      ["config", true],
      ["data", true],
      ["execution", true],
    ]);
    // not due again for TOLLGATE_AUDIT_VERIFY_MS: a second worker claims nothing
    expect(await verifyAuditOnSchedule({ force: true })).toEqual([]);
    const runs = await db.auditVerificationRun.findMany({
      where: { id: { in: first.map((r) => r.runId) } },
    });
    expect(runs.every((r) => r.trigger === "schedule" && r.ok)).toBe(true);
    expect(await listBrokenLanes()).toEqual([]);
  });

  it("on a break: records it, raises the banner state and sends one signed webhook", async () => {
    const added = await append("execution", 2);
    const restore = await deleteFrom("execution", added[1].seq);
    try {
      await due();
      const runs = await verifyAuditOnSchedule({ force: true });
      const exec = runs.find((r) => r.lane === "execution")!;
      expect(exec).toMatchObject({ ok: false, alerted: true });
      expect(exec.broken).toMatchObject({ seq: added[1].seq, kind: "truncated" });
      expect(await listBrokenLanes()).toMatchObject([
        { lane: "execution", breakSeq: added[1].seq, breakKind: "truncated" },
      ]);
      // the same break again: recorded, not alerted twice
      await due();
      const again = (await verifyAuditOnSchedule({ force: true })).find(
        (r) => r.lane === "execution",
      )!;
      expect(again).toMatchObject({ ok: false, alerted: false });
      const deliveries = await db.webhookDelivery.findMany({ where: { url } });
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({ kind: "audit_break", target: `group:${groupKey}` });

      const { deliverDueWebhooks } = await import("@/lib/webhooks/deliver");
      await deliverDueWebhooks();
      expect(hits).toHaveLength(1);
      expect(
        verifySignature(
          secret,
          hits[0].body,
          hits[0].headers[SIGNATURE_HEADER.toLowerCase()] as string,
        ).ok,
      ).toBe(true);
      expect(JSON.parse(hits[0].body)).toMatchObject({
        type: "audit.chain_broken",
        lane: "execution",
        seq: added[1].seq,
        kind: "truncated",
      });

      // the CLI: one line per lane, non-zero exit on the break
      const cli = await runCli(["audit", "verify", "--lane", "execution"]);
      expect(cli.code).toBe(1);
      expect(cli.stdout).toMatch(
        new RegExp(`execution: BROKEN at seq ${added[1].seq} \\(truncated\\)`),
      );
    } finally {
      await restore();
    }
    const cli = await runCli(["audit", "verify"]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/config: ok/);
    expect(cli.stdout).toMatch(/execution: ok/);
    expect(await listBrokenLanes()).toEqual([]);
  });

  it("refuses a bad --lane with usage and exit 2", async () => {
    const cli = await runCli(["audit", "verify", "--lane", "nope"]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/--lane must be config, data or execution/);
  });
});

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
