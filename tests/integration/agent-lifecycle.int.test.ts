import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession; the tests hand it the
// session next-auth would build from a signed-in cookie
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db } from "@/lib/db";
import { authenticateApiKey, createApiKey } from "@/lib/agents/api-keys";
import { createUserSession } from "@/lib/auth/user-sessions";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { seedUser } from "@/lib/seed/seed-helpers";
import { POST as create } from "@/app/api/internal/agents/route";
import { POST as edit } from "@/app/api/internal/agents/[id]/route";
import { POST as setStatus } from "@/app/api/internal/agents/[id]/status/route";
import { POST as elevate } from "@/app/api/internal/agents/[id]/elevations/route";

const ORIGIN = "http://localhost:3000";
type THandler = (
  req: Request,
  ctx: { params: Promise<Record<string, string>> },
) => Promise<Response>;

/** A console post as the browser sends it: same-origin JSON (unless `headers` say otherwise). */
function call(
  handler: THandler,
  id: string | null,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const req = new Request(`${ORIGIN}/api/internal/agents${id ? `/${id}` : ""}`, {
    method: "POST",
    headers: {
      host: "localhost:3000",
      origin: ORIGIN,
      "content-type": "application/json",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const params: Record<string, string> = id ? { id } : {};
  return handler(req, { params: Promise.resolve(params) });
}

/**
 * An agent's lifecycle through the console's routes: create, edit (a reason to raise a limit,
 * a stale form refused), suspend, resume, retire (final). Each change is one config-lane event.
 */
describe("agent lifecycle", () => {
  const made: string[] = [];
  let admin: { id: string; sid: string };
  let ops: { id: string; sid: string };
  let viewer: { id: string; sid: string };
  let owner: { id: string; email: string; name: string };

  const as = (u: { id: string; sid: string }) =>
    vi.mocked(getServerSession).mockResolvedValue({ user: { id: u.id, sid: u.sid }, expires: "" });
  const signedIn = async (roles: ("admin" | "ops_owner" | "viewer")[]) => {
    const u = await seedUser(db, { roles });
    return { id: u.id, sid: await createUserSession(u.id, null) };
  };
  const newAgent = (extra: object = {}) => ({
    environment: "dev",
    slug: `lc-${crypto.randomBytes(3).toString("hex")}`,
    name: "Renewal bot",
    description: "Proposes renewal opportunities",
    ownerId: owner.id,
    callsPerMinute: 60,
    writesPerHour: 100,
    ...extra,
  });
  async function created(extra: object = {}) {
    as(ops);
    const res = await call(create, null, newAgent(extra));
    expect(res.status).toBe(200);
    const { id } = await res.json();
    made.push(id);
    return db.agent.findUniqueOrThrow({ where: { id } });
  }
  const editBody = (
    a: {
      name: string;
      description: string | null;
      ownerId: string;
      callsPerMinute: number;
      writesPerHour: number;
      updatedAt: Date;
    },
    extra: object = {},
  ) => ({
    name: a.name,
    description: a.description,
    ownerId: a.ownerId,
    callsPerMinute: a.callsPerMinute,
    writesPerHour: a.writesPerHour,
    expectedUpdatedAt: a.updatedAt.toISOString(),
    ...extra,
  });
  const events = (subjectId: string) =>
    db.auditEvent.findMany({ where: { subjectId }, orderBy: { id: "asc" } });

  beforeAll(async () => {
    await seedDemoOrg();
    admin = await signedIn(["admin"]);
    ops = await signedIn(["ops_owner"]);
    viewer = await signedIn(["viewer"]);
    const o = await seedUser(db, { roles: ["ops_owner"], name: "Owen Owner" });
    owner = { id: o.id, email: o.email, name: o.name };
  });
  afterAll(async () => {
    await db.agent.deleteMany({ where: { id: { in: made } } });
  });

  it("creates an agent in observe, with no scope, audited with its owner", async () => {
    const a = await created();
    expect(a).toMatchObject({
      phase: "observe",
      status: "active",
      ownerId: owner.id,
      callsPerMinute: 60,
    });
    expect(await db.agentPermissionSet.count({ where: { agentId: a.id } })).toBe(0);
    const [e] = await events(a.id);
    expect(e).toMatchObject({ lane: "config", action: "agent.created", actorUserId: ops.id });
    expect(e.payload).toMatchObject({ slug: a.slug, phase: "observe", owner: owner.email });

    // the same slug again in the same environment: refused under the slug, nothing made
    as(ops);
    const again = await call(create, null, newAgent({ slug: a.slug }));
    expect(again.status).toBe(400);
    expect((await again.json()).errors).toEqual([
      { path: "slug", message: expect.stringContaining("taken") },
    ]);
    expect(await db.agent.count({ where: { slug: a.slug } })).toBe(1);
  });

  it("refuses a viewer, another origin, bad input and a 2,000-deep body, and makes nothing", async () => {
    const before = await db.agent.count();
    as(viewer);
    let res = await call(create, null, newAgent());
    expect(res.status).toBe(403);
    as(ops);
    res = await call(create, null, newAgent(), { origin: "http://evil.example" });
    expect((await res.json()).code).toBe("cross_site_request");
    const disabled = await seedUser(db, { roles: ["viewer"] });
    await db.user.update({ where: { id: disabled.id }, data: { status: "disabled" } });
    for (const [name, body, path] of [
      ["bad slug", newAgent({ slug: "Renewal Bot" }), "slug"],
      ["no owner", newAgent({ ownerId: "" }), "ownerId"],
      ["unknown owner", newAgent({ ownerId: "nobody" }), "ownerId"],
      ["disabled owner", newAgent({ ownerId: disabled.id }), "ownerId"],
      ["0 calls", newAgent({ callsPerMinute: 0 }), "callsPerMinute"],
      ["negative writes", newAgent({ writesPerHour: -5 }), "writesPerHour"],
      ["huge limit", newAgent({ callsPerMinute: 10_000_000 }), "callsPerMinute"],
      ["a phase on create", newAgent({ phase: "execute" }), ""],
    ] as const) {
      res = await call(create, null, body);
      expect(res.status, name).toBe(400);
      const problem = await res.json();
      expect(
        problem.errors.map((e: { path: string }) => e.path),
        name,
      ).toContain(path);
    }
    res = await call(create, null, "[".repeat(2000) + "]".repeat(2000));
    expect(res.status).toBe(400);
    expect(await db.agent.count()).toBe(before);
  });

  it("refuses a slug that is field ownership's name for people or an integration's, making nothing", async () => {
    const tag = crypto.randomBytes(3).toString("hex");
    const integration = `sync-${tag}`;
    const row = await db.fieldOwnership.create({
      data: {
        object: "Invoice__c",
        field: `Doors_${tag}__c`,
        systemOfRecord: "billing",
        allowedWriters: [integration],
      },
    });
    try {
      as(ops);
      for (const [slug, words] of [
        ["humans", '"humans" is kept for people'],
        [
          integration,
          `"${integration}" is an integration allowed to write Invoice__c.Doors_${tag}__c`,
        ],
      ]) {
        const res = await call(create, null, newAgent({ slug }));
        expect(res.status, slug).toBe(400);
        const body = await res.json();
        expect(body.code).toBe("invalid_body");
        expect(body.errors).toEqual([{ path: "slug", message: expect.stringContaining(words) }]);
        expect(await db.agent.count({ where: { slug } })).toBe(0);
      }
      // any other new slug is still fine
      expect((await created({ slug: `agent-${tag}` })).slug).toBe(`agent-${tag}`);
    } finally {
      await db.fieldOwnership.delete({ where: { id: row.id } });
    }
  });

  it("edits: a raised limit needs a reason; each field's before and after is audited", async () => {
    const a = await created();
    as(admin);
    let res = await call(edit, a.id, editBody(a, { callsPerMinute: 600 }));
    expect(res.status).toBe(400);
    expect((await res.json()).errors).toEqual([
      { path: "reason", message: expect.stringContaining("Say why") },
    ]);
    expect((await db.agent.findUniqueOrThrow({ where: { id: a.id } })).callsPerMinute).toBe(60);

    res = await call(
      edit,
      a.id,
      editBody(a, { callsPerMinute: 600, ownerId: admin.id, reason: "Backfill week" }),
    );
    expect(res.status).toBe(200);
    const after = await db.agent.findUniqueOrThrow({ where: { id: a.id } });
    expect(after).toMatchObject({ callsPerMinute: 600, ownerId: admin.id });
    const e = (await events(a.id)).at(-1)!;
    expect(e).toMatchObject({
      action: "agent.updated",
      actorUserId: admin.id,
      reasonText: "Backfill week",
    });
    expect(e.payload).toMatchObject({
      widened: true,
      changes: { callsPerMinute: { from: 60, to: 600 }, ownerId: { from: owner.id, to: admin.id } },
    });

    // lowering needs no reason
    res = await call(edit, after.id, editBody(after, { callsPerMinute: 30 }));
    expect(res.status).toBe(200);
    expect(((await events(a.id)).at(-1)!.payload as { widened: boolean }).widened).toBe(false);
  });

  it("two people editing at once: the second form is stale and refused, nothing lost silently", async () => {
    const a = await created();
    as(admin);
    const [r1, r2] = await Promise.all([
      call(edit, a.id, editBody(a, { name: "Renewal bot (EMEA)" })),
      call(edit, a.id, editBody(a, { description: "Someone else's words" })),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
    const loser = r1.status === 409 ? r1 : r2;
    expect((await loser.json()).code).toBe("state_changed");
    expect(await db.auditEvent.count({ where: { subjectId: a.id, action: "agent.updated" } })).toBe(
      1,
    );
  });

  it("suspends (the agent API refuses it), resumes, and retires for good", async () => {
    const a = await created();
    const key = (await createApiKey({ agentSlug: a.slug, envSlug: "dev" })).plaintext;
    expect((await authenticateApiKey(key)).id).toBe(a.id);
    as(ops);
    let res = await call(setStatus, a.id, { action: "suspend", reason: "" });
    expect(res.status).toBe(400);

    // two suspends at once: one suspends, the other finds it suspended already
    const both = await Promise.all([
      call(setStatus, a.id, { action: "suspend", reason: "Incident 42" }),
      call(setStatus, a.id, { action: "suspend", reason: "Incident 42" }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    await expect(authenticateApiKey(key)).rejects.toMatchObject({ code: "agent_inactive" });

    res = await call(setStatus, a.id, { action: "resume", reason: "Fixed" });
    expect(res.status).toBe(200);
    expect((await authenticateApiKey(key)).id).toBe(a.id);

    res = await call(setStatus, a.id, { action: "retire", reason: "Replaced by renewal-bot-v2" });
    expect(res.status).toBe(200);
    await expect(authenticateApiKey(key)).rejects.toMatchObject({ code: "agent_inactive" });
    expect((await events(a.id)).map((e) => [e.action, e.reasonText])).toEqual([
      ["agent.created", null],
      ["api_key.created", null],
      ["agent.suspended", "Incident 42"],
      ["agent.resumed", "Fixed"],
      ["agent.retired", "Replaced by renewal-bot-v2"],
    ]);

    // retired is final: no resume, no edit, no elevation, no new key
    const retired = await db.agent.findUniqueOrThrow({ where: { id: a.id } });
    for (const attempt of [
      () => call(setStatus, a.id, { action: "resume", reason: "Oops" }),
      () => call(setStatus, a.id, { action: "suspend", reason: "Oops" }),
      () => call(edit, a.id, editBody(retired, { name: "Back again" })),
      () => {
        as(admin);
        return call(elevate as THandler, a.id, {
          scope: { object: "Lead", operations: ["update"], fields: ["Title"] },
          hours: 1,
          reason: "Oops",
        });
      },
    ]) {
      res = await attempt();
      expect(res.status).toBe(409);
      expect((await res.json()).code).toBe("agent_retired");
    }
    expect((await db.agent.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("retired");
  });
});
