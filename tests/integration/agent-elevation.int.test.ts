import crypto from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession; the tests hand it the
// session next-auth would build from a signed-in cookie
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { NODE_TS } from "@/scripts/lib/node-ts";
import { db } from "@/lib/db";
import { createApiKey } from "@/lib/agents/api-keys";
import { createUserSession } from "@/lib/auth/user-sessions";
import { createSandboxServer, type SandboxServer } from "@/lib/connectors/salesforce-sandbox";
import { pointDemoEnvironmentsAt } from "@/lib/environments";
import { CONFIG_TTL_MS } from "@/lib/agent-api/policy-context";
import { seedAgent, seedUser } from "@/lib/seed/seed-helpers";
import { GET, POST } from "@/app/api/internal/agents/[id]/elevations/route";
import { startApiInstance } from "./fixtures/api-instance";
import { scratch } from "./fixtures/scratch";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ORIGIN = "http://localhost:3000";

/** A console call as the browser sends it: same-origin JSON (or whatever `init` says). */
const consoleReq = (path: string, body?: string, headers: Record<string, string> = {}) =>
  new Request(`${ORIGIN}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      host: "localhost:3000",
      origin: ORIGIN,
      "content-type": "application/json",
      ...headers,
    },
    body,
  });

/**
 * Time-bounded elevation through the console's route: an agent refused for scope is let through
 * once an admin elevates it (this instance at once, another instance within the configuration
 * cache's second), and refused again once the elevation has ended — the policy, not the page,
 * decides that.
 */
describe("time-bounded elevation", () => {
  const s = scratch();
  let sandbox: SandboxServer;
  let api: { url: string; close: () => Promise<void> };
  let second: ChildProcess;
  let secondUrl: string;
  let leadId: string;
  let admin: { id: string; sid: string };
  let admin2: { id: string; sid: string };
  let opsOwner: { id: string; sid: string };

  const as = (u: { id: string; sid: string }) =>
    vi.mocked(getServerSession).mockResolvedValue({ user: { id: u.id, sid: u.sid }, expires: "" });
  const elevate = (agentId: string, body: unknown, headers: Record<string, string> = {}) =>
    POST(
      consoleReq(
        `/api/internal/agents/${agentId}/elevations`,
        typeof body === "string" ? body : JSON.stringify(body),
        headers,
      ),
      { params: Promise.resolve({ id: agentId }) },
    );
  const enrich = (key: string, base: string) =>
    fetch(`${base}/api/agent/v1/action-requests`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        idempotencyKey: `it-${crypto.randomUUID()}`,
        workflow: { key: "lead-enrichment" },
        actionType: "lead.enrich",
        target: { system: "salesforce", object: "Lead", recordId: leadId },
        changes: { Title: "VP Revenue Operations" },
        reason: { code: "ENRICHMENT_MATCH" },
      }),
    });
  const TITLE_SCOPE = { object: "Lead", operations: ["update"], fields: ["Title"] };
  const valid = (extra: object = {}) => ({
    scope: TITLE_SCOPE,
    hours: 1,
    reason: "Title clean-up for the Q4 campaign",
    ...extra,
  });

  const slugs: string[] = [];
  /**
   * A fresh agent in prod with no grants at all, proposing (so nothing is executed). One that
   * makes agent requests (with a key) is kept: its requests' audit events name it, and audit
   * rows cannot change. The others are scratch rows.
   */
  async function agentWithKey(opts: { status?: "retired"; calls?: boolean } = {}) {
    let a;
    if (opts.calls) {
      const prod = await db.environment.findUniqueOrThrow({ where: { slug: "prod" } });
      a = await seedAgent(db, { environmentId: prod.id, ownerId: admin.id, phase: "propose" });
    } else {
      a = await s.agent("prod", { status: opts.status });
    }
    slugs.push(a.slug);
    const key = opts.calls
      ? (await createApiKey({ agentSlug: a.slug, envSlug: "prod" })).plaintext
      : "";
    return { agent: a, key };
  }
  const signedIn = async (roles: ("admin" | "ops_owner")[]) => {
    const u = await seedUser(db, { roles });
    return { id: u.id, sid: await createUserSession(u.id, null) };
  };

  beforeAll(async () => {
    const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
    await seedDemoOrg();
    sandbox = await createSandboxServer({ seed: "demo" });
    await pointDemoEnvironmentsAt(sandbox.url);
    api = await startApiInstance();
    second = spawn(process.execPath, [...NODE_TS, "tests/integration/fixtures/api-instance.ts"], {
      stdio: ["ignore", "pipe", "inherit"],
      env: process.env,
    });
    secondUrl = await new Promise<string>((resolve, reject) => {
      second.stdout!.on("data", (d) => {
        const m = /READY (\S+)/.exec(String(d));
        if (m) resolve(m[1]);
      });
      second.on("exit", (c) => reject(new Error(`instance exited ${c}`)));
    });
    leadId = String(
      ([...sandbox.store.records("Lead")] as { Id: string; IsConverted: boolean }[]).find(
        (l) => !l.IsConverted,
      )!.Id,
    );
    admin = await signedIn(["admin"]);
    admin2 = await signedIn(["admin"]);
    opsOwner = await signedIn(["ops_owner"]);
  });
  afterAll(async () => {
    second?.kill();
    await api?.close();
    await sandbox?.close();
    await s.cleanup();
    // the elevation sets made for this file's agents (their grants go with them)
    await db.permissionSet.deleteMany({
      where: { slug: { in: slugs.map((x) => `elevation-${x}`) } },
    });
  });

  it("lets a refused agent through on every instance, and refuses it again once it ended", async () => {
    const { agent, key } = await agentWithKey({ calls: true });
    // both instances have read the agent's (empty) grants
    for (const base of [api.url, secondUrl]) {
      const res = await enrich(key, base);
      expect(res.status, `${base}: ${await res.clone().text()}`).toBe(403);
      expect((await res.json()).code).toBe("scope_denied");
    }

    as(admin);
    const res = await elevate(agent.id, valid());
    expect(res.status).toBe(200);
    const body = await res.json();
    const grant = await db.grant.findUniqueOrThrow({ where: { id: body.grantId } });
    expect(grant.validUntil!.getTime() - grant.validFrom.getTime()).toBe(3_600_000);
    expect(body.elevations).toEqual([
      expect.objectContaining({
        id: grant.id,
        object: "Lead",
        operations: ["update"],
        fields: ["Title"],
        grantedBy: expect.any(String),
        expired: false,
      }),
    ]);

    // this instance at once; the other one within the configuration cache's second
    expect((await enrich(key, api.url)).status).toBe(201);
    await sleep(CONFIG_TTL_MS + 50);
    expect((await enrich(key, secondUrl)).status).toBe(201);

    // the hour is up (the end moved into the past, as the clock would): refused everywhere again
    await db.grant.update({
      where: { id: grant.id },
      data: { validFrom: new Date(Date.now() - 3_600_000), validUntil: new Date(Date.now() - 1) },
    });
    await sleep(CONFIG_TTL_MS + 50);
    for (const base of [api.url, secondUrl]) {
      const again = await enrich(key, base);
      expect(again.status).toBe(403);
      const problem = await again.json();
      expect(problem.code).toBe("scope_denied");
      expect(problem.detail).toMatch(/expired at/);
    }
    // and the console says so too
    const list = await GET(consoleReq(`/api/internal/agents/${agent.id}/elevations`), {
      params: Promise.resolve({ id: agent.id }),
    });
    expect((await list.json()).elevations).toEqual([
      expect.objectContaining({ id: grant.id, expired: true }),
    ]);
  });

  it("records who gave what for how long and why, in the config lane", async () => {
    const { agent } = await agentWithKey();
    as(admin);
    const res = await elevate(
      agent.id,
      valid({
        scope: { ...TITLE_SCOPE, recordCondition: "Status != 'Closed'" },
        hours: 8,
        reason: "  Campaign follow-up  ",
      }),
      { "user-agent": "elevation-test" },
    );
    expect(res.status).toBe(200);
    const { grantId } = await res.json();
    const event = await db.auditEvent.findFirstOrThrow({ where: { subjectId: grantId } });
    expect(event).toMatchObject({
      lane: "config",
      action: "grant.elevated",
      subjectType: "grant",
      actorUserId: admin.id,
      environmentId: agent.environmentId,
      object: "Lead",
      reasonText: "Campaign follow-up",
    });
    expect(event.payload).toMatchObject({
      agentId: agent.id,
      agent: agent.slug,
      operations: ["update"],
      fields: ["Title"],
      recordCondition: "Status != 'Closed'",
      hours: 8,
      context: { userAgent: "elevation-test" },
    });
    // for this agent alone: its own set, attached to nobody else
    const set = await db.permissionSet.findFirstOrThrow({
      where: { grants: { some: { id: grantId } } },
      include: { agents: true },
    });
    expect(set.agents.map((a) => a.agentId)).toEqual([agent.id]);
  });

  it("refuses a non-admin, another origin, a retired agent and bad input, and changes nothing", async () => {
    const { agent } = await agentWithKey();
    const retired = (await agentWithKey({ status: "retired" })).agent;
    const grantsBefore = await db.grant.count();
    const eventsBefore = await db.auditEvent.count({ where: { action: "grant.elevated" } });

    as(opsOwner);
    let res = await elevate(agent.id, valid());
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("forbidden");

    as(admin);
    for (const headers of <Record<string, string>[]>[
      { origin: "http://evil.example" },
      { origin: "http://localhost:4444" },
      { "content-type": "text/plain" },
    ]) {
      res = await elevate(agent.id, valid(), headers);
      expect(res.status).toBe(403);
      expect((await res.json()).code).toBe("cross_site_request");
    }

    res = await elevate(retired.id, valid());
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe("agent_retired");

    res = await elevate("no-such-agent", valid());
    expect(res.status).toBe(404);

    const bad: [string, unknown, RegExp][] = [
      ["0 hours", valid({ hours: 0 }), /At least 1 hour/],
      ["negative hours", valid({ hours: -3 }), /At least 1 hour/],
      ["10,000 hours", valid({ hours: 10_000 }), /At most 720 hours/],
      ["half an hour", valid({ hours: 1.5 }), /Whole hours/],
      ["hours as text", valid({ hours: "1" }), /hours/],
      ["no reason", valid({ reason: " " }), /Say why/],
      ["no operation", valid({ scope: { ...TITLE_SCOPE, operations: [] } }), /operation/],
      [
        "an unknown operation",
        valid({ scope: { ...TITLE_SCOPE, operations: ["merge"] } }),
        /create, update/,
      ],
      ["update without fields", valid({ scope: { ...TITLE_SCOPE, fields: [] } }), /fields/],
      [
        "an object with spaces",
        valid({ scope: { ...TITLE_SCOPE, object: "Lead; drop" } }),
        /API name/,
      ],
      [
        "a malformed condition",
        valid({ scope: { ...TITLE_SCOPE, recordCondition: "Status = = 'x'" } }),
        /column \d+/,
      ],
      ["an extra key", { ...valid(), validUntil: "2099-01-01" }, /validUntil|Unrecognized/i],
    ];
    for (const [name, body, message] of bad) {
      res = await elevate(agent.id, body);
      expect(res.status, name).toBe(400);
      const problem = await res.json();
      expect(problem.code, name).toBe("invalid_body");
      expect(JSON.stringify(problem.errors), name).toMatch(message);
    }

    // a body nested 2,000 levels deep is refused before it is parsed
    const deep = "[".repeat(2000) + "]".repeat(2000);
    res = await elevate(agent.id, `{"scope":${deep},"hours":1,"reason":"deep"}`);
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe("invalid_body");

    expect(await db.grant.count()).toBe(grantsBefore);
    expect(await db.auditEvent.count({ where: { action: "grant.elevated" } })).toBe(eventsBefore);
    expect(await db.permissionSet.count({ where: { slug: `elevation-${agent.slug}` } })).toBe(0);
  });

  it("two admins elevating the same agent at once: both grants, one elevation set", async () => {
    const { agent } = await agentWithKey();
    const users = [admin, admin2];
    let call = 0;
    vi.mocked(getServerSession).mockImplementation(async () => {
      const u = users[call++ % 2];
      return { user: { id: u.id, sid: u.sid }, expires: "" };
    });
    const [a, b] = await Promise.all([
      elevate(agent.id, valid({ reason: "first admin" })),
      elevate(
        agent.id,
        valid({ scope: { ...TITLE_SCOPE, fields: ["Phone"] }, reason: "second admin" }),
      ),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const sets = await db.permissionSet.findMany({
      where: { slug: `elevation-${agent.slug}` },
      include: { grants: true },
    });
    expect(sets).toHaveLength(1);
    expect(sets[0].grants.map((g) => g.reason).sort()).toEqual(["first admin", "second admin"]);
    expect(new Set(sets[0].grants.map((g) => g.grantedById))).toEqual(
      new Set([admin.id, admin2.id]),
    );
  });

  it("an elevation racing a retirement: the retired agent gets none", async () => {
    const { agent } = await agentWithKey();
    as(admin);
    // the retirement commits while the elevation waits for the agent's row
    let pending: Promise<Response> | undefined;
    await db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "Agent" WHERE id = ${agent.id} FOR UPDATE`;
      pending = elevate(agent.id, valid());
      await sleep(300);
      await tx.agent.update({ where: { id: agent.id }, data: { status: "retired" } });
    });
    const res = await pending!;
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe("agent_retired");
    expect(
      await db.grant.count({ where: { permissionSet: { slug: `elevation-${agent.slug}` } } }),
    ).toBe(0);
  });
});
