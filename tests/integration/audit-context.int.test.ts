import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession, which needs a Next
// request; the tests hand it the session next-auth would build from a signed-in cookie.
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db } from "@/lib/db";
import { sealNow, USER_AGENT_MAX, verifyAuditLane } from "@/lib/audit";
import { createUserSession } from "@/lib/auth/user-sessions";
import { tripKillSwitch } from "@/lib/guardrails";
import { getDeadLetter } from "@/lib/execution/dead-letters";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { POST as trip } from "@/app/api/internal/kill-switches/trip/route";
import { POST as reset } from "@/app/api/internal/kill-switches/reset/route";
import { scratch } from "./fixtures/scratch";

/** The tables' owner without SET ROLE, with the append-only trigger off: a tamperer. */
async function tamper(sql: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  try {
    await c.query("begin");
    await c.query("set local session_replication_role = replica");
    const out = await c.query(sql, params);
    await c.query("commit");
    return out;
  } finally {
    await c.end();
  }
}

const BROWSER = `Mozilla/5.0 (X11; Linux x86_64) Tollgate-test ${"x".repeat(300)}`;

/** A console post as the browser sends it: same-origin JSON, from behind a proxy. */
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`http://localhost:3000${path}`, {
    method: "POST",
    headers: {
      host: "localhost:3000",
      origin: "http://localhost:3000",
      "content-type": "application/json",
      "user-agent": BROWSER,
      "x-forwarded-for": "198.51.100.23, 203.0.113.7",
      ...headers,
    },
    body: JSON.stringify(body),
  });
const noParams = { params: Promise.resolve({}) };

describe("console actions record where they came from", () => {
  const s = scratch();
  const trustProxy = process.env.TOLLGATE_TRUST_PROXY;

  beforeAll(async () => {
    await seedDemoOrg();
    const admin = await db.user.findUniqueOrThrow({ where: { email: "admin@tollgate.demo" } });
    const sid = await createUserSession(admin.id, null);
    vi.mocked(getServerSession).mockResolvedValue({ user: { id: admin.id, sid }, expires: "" });
  });
  afterEach(() => {
    if (trustProxy === undefined) delete process.env.TOLLGATE_TRUST_PROXY;
    else process.env.TOLLGATE_TRUST_PROXY = trustProxy;
  });
  afterAll(() => s.cleanup());

  it("a kill switch tripped through its route records the client address and user agent, hashed", async () => {
    process.env.TOLLGATE_TRUST_PROXY = "1";
    const agent = await s.agent("dev");
    const queued = await s.request(agent, "approved");

    const res = await trip(
      post("/api/internal/kill-switches/trip", {
        scope: "agent",
        target: agent.id,
        reason: "context test",
      }),
      noParams,
    );
    expect(res.status).toBe(200);
    const { killSwitch } = (await res.json()) as {
      killSwitch: { id: string; halted: number; propagation: { change: string } };
    };
    expect(killSwitch.halted).toBe(1);

    // one proxy trusted: the address it saw is the rightmost entry; the agent is cut short
    const context = { ip: "203.0.113.7", userAgent: BROWSER.slice(0, USER_AGENT_MAX) };
    // sealed, so the event has its place in the chain (tampering with it below is found there)
    await sealNow();
    const tripped = await db.auditEvent.findFirstOrThrow({
      where: { action: "kill_switch.tripped", subjectId: killSwitch.id },
    });
    expect(tripped.payload).toEqual({
      scope: "agent",
      target: `agent ${agent.slug} (dev)`,
      halted: 1,
      change: killSwitch.propagation.change,
      context,
    });
    const halted = await db.auditEvent.findFirstOrThrow({
      where: { action: "action_request.halted", subjectId: queued.id },
    });
    expect(halted.payload).toMatchObject({ killSwitch: killSwitch.id, context });
    // and the request's history in the console says so (a letter, so the dead-letter view opens)
    await db.deadLetter.create({
      data: { actionRequestId: queued.id, errorClass: "internal", errorMessage: "test" },
    });
    const story = await getDeadLetter(queued.id);
    expect(story.events.map((e) => [e.action, e.context])).toContainEqual([
      "action_request.halted",
      context,
    ]);

    // the context is inside the hashed content: editing it breaks the chain at that event
    expect((await verifyAuditLane("config")).broken).toBeNull();
    const where = `where lane = 'config' and seq = $1`;
    await tamper(
      `update "AuditEvent" set payload = jsonb_set(payload, '{context,ip}', '"192.0.2.1"') ${where}`,
      [tripped.seq],
    );
    try {
      expect((await verifyAuditLane("config")).broken).toMatchObject({
        seq: tripped.seq,
        kind: "content_hash",
      });
      await tamper(
        `update "AuditEvent" set payload = jsonb_set(payload, '{context,userAgent}', '"curl/8"') ${where}`,
        [tripped.seq],
      );
      await tamper(
        `update "AuditEvent" set payload = jsonb_set(payload, '{context,ip}', '"203.0.113.7"') ${where}`,
        [tripped.seq],
      );
      expect((await verifyAuditLane("config")).broken).toMatchObject({
        seq: tripped.seq,
        kind: "content_hash",
      });
    } finally {
      await tamper(`update "AuditEvent" set payload = $2::jsonb ${where}`, [
        tripped.seq,
        JSON.stringify(tripped.payload),
      ]);
    }
    expect((await verifyAuditLane("config")).broken).toBeNull();
  });

  it("without a trusted proxy the address is unknown, whatever x-forwarded-for says", async () => {
    delete process.env.TOLLGATE_TRUST_PROXY;
    const agent = await s.agent("dev");
    const body = { scope: "agent", target: agent.id, reason: "context test" };
    expect((await trip(post("/api/internal/kill-switches/trip", body), noParams)).status).toBe(200);
    const res = await reset(
      post("/api/internal/kill-switches/reset", body, { "user-agent": "curl/8.5.0" }),
      noParams,
    );
    expect(res.status).toBe(200);
    const { killSwitch } = (await res.json()) as { killSwitch: { id: string } };
    const events = await db.auditEvent.findMany({
      where: { subjectId: killSwitch.id },
      orderBy: { id: "asc" },
    });
    const browser = { ip: null, userAgent: BROWSER.slice(0, USER_AGENT_MAX) };
    expect(events.map((e) => [e.action, (e.payload as { context?: unknown }).context])).toEqual([
      ["kill_switch.tripped", browser],
      // who acknowledged the trip, written once the answer's wait is over
      ["kill_switch.propagated", browser],
      ["kill_switch.reset", { ip: null, userAgent: "curl/8.5.0" }],
    ]);
  });

  it("a service called without a request (the CLI, tests) writes the payload as before", async () => {
    const agent = await s.agent("dev");
    const admin = await db.user.findUniqueOrThrow({ where: { email: "admin@tollgate.demo" } });
    const sw = await tripKillSwitch(
      { scope: "agent", target: agent.id, reason: "no request" },
      admin.id,
    );
    const event = await db.auditEvent.findFirstOrThrow({
      where: { action: "kill_switch.tripped", subjectId: sw.id },
    });
    expect(event.payload).toEqual({
      scope: "agent",
      target: `agent ${agent.slug} (dev)`,
      halted: 0,
      change: sw.propagation.change,
    });
  });
});
