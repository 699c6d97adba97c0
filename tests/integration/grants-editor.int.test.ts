import { describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession; the tests hand it the
// session next-auth would build from a signed-in cookie
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db } from "@/lib/db";
import { CONFIG_TTL_MS } from "@/lib/agent-api/policy-context";
import * as grants from "@/app/api/internal/agents/[id]/grants/route";
import * as grant from "@/app/api/internal/agents/[id]/grants/[grantId]/route";
import * as sets from "@/app/api/internal/agents/[id]/permission-sets/route";
import * as set from "@/app/api/internal/agents/[id]/permission-sets/[setId]/route";
import * as elevations from "@/app/api/internal/agents/[id]/elevations/route";
import { useGatewaySuite } from "./fixtures/gateway-suite";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The grant editor (issue 13 item 2) through its routes: a new grant lets the agent's next
 * request through and revoking it refuses the next one (here at once, on another instance
 * within the configuration cache's second); an edit is a revocation and a new grant; a record
 * condition is parsed and refused with its column; an elevation ends early; permission sets are
 * made, attached and detached; widening needs a reason; two people at once cannot both win.
 */
describe("grants editor", () => {
  const g = useGatewaySuite();
  const TITLE = { object: "Lead", operations: ["update"], fields: ["Title"] };

  const add = (agentId: string, body: unknown, headers?: Record<string, string>) =>
    g.call(
      grants.POST,
      "POST",
      `/api/internal/agents/${agentId}/grants`,
      body,
      { id: agentId },
      headers,
    );
  const replace = (agentId: string, grantId: string, body: unknown) =>
    g.call(grant.PUT, "PUT", `/api/internal/agents/${agentId}/grants/${grantId}`, body, {
      id: agentId,
      grantId,
    });
  const revoke = (agentId: string, grantId: string, body: unknown) =>
    g.call(grant.DELETE, "DELETE", `/api/internal/agents/${agentId}/grants/${grantId}`, body, {
      id: agentId,
      grantId,
    });
  const list = async (agentId: string) =>
    (
      await g.call(grants.GET, "GET", `/api/internal/agents/${agentId}/grants`, undefined, {
        id: agentId,
      })
    ).json();
  const expectStatus = async (key: string, status: number, code?: string) => {
    for (const [i, base] of g.instances().entries()) {
      if (i === 1) await sleep(CONFIG_TTL_MS + 50);
      const res = await g.enrich(key, base);
      expect(res.status, `${base}: ${await res.clone().text()}`).toBe(status);
      if (code) expect((await res.json()).code).toBe(code);
    }
  };

  it("a new grant lets the next request through; revoking it refuses the next one", async () => {
    const ops = await g.signedIn(["ops_owner"]);
    g.as(ops);
    const { agent, key, setId } = await g.agentWithKey();
    await expectStatus(key, 403, "scope_denied");

    let res = await add(agent.id, { permissionSetId: setId, scope: TITLE, reason: "titles" });
    expect(res.status, await res.clone().text()).toBe(200);
    const { grantId } = await res.json();
    await expectStatus(key, 201);

    res = await revoke(agent.id, grantId, { reason: "enrichment paused" });
    expect(res.status).toBe(200);
    expect((await res.json()).endedEarly).toBe(false);
    await expectStatus(key, 403, "scope_denied");

    const events = await db.auditEvent.findMany({
      where: { subjectId: grantId },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => [e.lane, e.action, e.actorUserId, e.reasonText])).toEqual([
      ["config", "grant.created", ops.id, "titles"],
      ["config", "grant.revoked", ops.id, "enrichment paused"],
    ]);
  });

  it("a grant's object typed in another case is stored as the action types spell it, so it matches", async () => {
    const ops = await g.signedIn(["ops_owner"]);
    g.as(ops);
    const { agent, key, setId } = await g.agentWithKey();
    const res = await add(agent.id, {
      permissionSetId: setId,
      scope: { ...TITLE, object: "lead" },
      reason: "titles",
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const { grantId } = await res.json();
    expect((await db.grant.findUniqueOrThrow({ where: { id: grantId } })).object).toBe("Lead");
    await expectStatus(key, 201);
  });

  it("an edit revokes the grant and makes a new one; wider needs a reason; a bad condition names its column", async () => {
    const ops = await g.signedIn(["ops_owner"]);
    g.as(ops);
    const { agent, key } = await g.agentWithKey({ title: true });
    const [first] = (await list(agent.id)).sets[0].grants;
    await expectStatus(key, 201);

    // narrower (a condition the demo lead does not meet): no reason needed, and it bites
    let res = await replace(agent.id, first.id, {
      scope: { ...TITLE, recordCondition: "Status = 'Nurturing-never'" },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const narrowed = await res.json();
    expect(narrowed.widened).toBe(false);
    await expectStatus(key, 403, "scope_denied");
    const old = await db.grant.findUniqueOrThrow({ where: { id: first.id } });
    expect(old.revokedAt).not.toBeNull();
    const revokedEvent = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: first.id, action: "grant.revoked" },
    });
    expect(revokedEvent.payload).toMatchObject({ replacedBy: narrowed.grantId });

    // wider again (the condition removed): refused without a reason
    res = await replace(agent.id, narrowed.grantId, { scope: TITLE });
    expect(res.status).toBe(400);
    expect(JSON.stringify((await res.json()).errors)).toMatch(/Say why the agent may do more/);
    // a condition that does not parse: its column
    res = await replace(agent.id, narrowed.grantId, {
      scope: { ...TITLE, recordCondition: "Status = = 'Open'" },
      reason: "x".repeat(5),
    });
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.code).toBe("invalid_body");
    expect(problem.errors).toEqual([
      {
        path: "scope.recordCondition",
        message: expect.stringMatching(/^Invalid condition at column 10: /),
      },
    ]);
    res = await replace(agent.id, narrowed.grantId, { scope: TITLE, reason: "back to all leads" });
    expect(res.status).toBe(200);
    expect((await res.json()).widened).toBe(true);
    await expectStatus(key, 201);

    // the history: one live grant, two revoked
    const shown = (await list(agent.id)).sets[0].grants as { revokedAt: string | null }[];
    expect(shown.map((x) => x.revokedAt === null)).toEqual([true, false, false]);
  });

  it("ends an elevation early: the next request is refused, audited as ended early", async () => {
    const admin = await g.signedIn(["admin"]);
    const ops = await g.signedIn(["ops_owner"]);
    const { agent, key } = await g.agentWithKey();
    g.as(admin);
    let res = await g.call(
      elevations.POST,
      "POST",
      `/api/internal/agents/${agent.id}/elevations`,
      { scope: TITLE, hours: 8, reason: "campaign" },
      { id: agent.id },
    );
    expect(res.status).toBe(200);
    const { grantId } = await res.json();
    expect((await g.enrich(key, g.instances()[0])).status).toBe(201);

    g.as(ops);
    res = await revoke(agent.id, grantId, { reason: "campaign over early" });
    expect(res.status).toBe(200);
    expect((await res.json()).endedEarly).toBe(true);
    await expectStatus(key, 403, "scope_denied");
    const event = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: grantId, action: "grant.revoked" },
    });
    expect(event).toMatchObject({
      lane: "config",
      actorUserId: ops.id,
      reasonText: "campaign over early",
    });
    expect(event.payload).toMatchObject({ endedEarly: true, fields: ["Title"] });
    // the elevations list shows it ended
    res = await g.call(
      elevations.GET,
      "GET",
      `/api/internal/agents/${agent.id}/elevations`,
      undefined,
      {
        id: agent.id,
      },
    );
    expect((await res.json()).elevations).toEqual([
      expect.objectContaining({ id: grantId, revokedAt: expect.any(String) }),
    ]);
    // ending it twice: 409, nothing more written
    res = await revoke(agent.id, grantId, { reason: "again" });
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe("state_changed");
    expect(
      await db.auditEvent.count({ where: { subjectId: grantId, action: "grant.revoked" } }),
    ).toBe(1);
  });

  it("makes, attaches and detaches permission sets; attaching asks why", async () => {
    const ops = await g.signedIn(["ops_owner"]);
    g.as(ops);
    const a = await g.agentWithKey();
    const b = await g.agentWithKey();
    const slug = `titles-${a.agent.slug}`;
    let res = await g.call(
      sets.POST,
      "POST",
      `/api/internal/agents/${a.agent.id}/permission-sets`,
      {
        slug,
        name: "Lead titles",
        domain: "lead-enrichment",
      },
      { id: a.agent.id },
    );
    expect(res.status, await res.clone().text()).toBe(200);
    const { permissionSetId } = await res.json();
    g.state.setIds.push(permissionSetId);
    res = await add(a.agent.id, { permissionSetId, scope: TITLE, reason: "titles" });
    expect(res.status).toBe(200);
    await expectStatus(a.key, 201);
    await expectStatus(b.key, 403, "scope_denied");

    const attach = (body: unknown) =>
      g.call(
        set.PUT,
        "PUT",
        `/api/internal/agents/${b.agent.id}/permission-sets/${permissionSetId}`,
        body,
        {
          id: b.agent.id,
          setId: permissionSetId,
        },
      );
    res = await attach({});
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/Say why/);
    res = await attach({ reason: "b enriches titles too" });
    expect(res.status).toBe(200);
    await expectStatus(b.key, 201);
    res = await attach({ reason: "twice" });
    expect(res.status).toBe(409);
    // b's page lists the set as shared with a
    const shown = (await list(b.agent.id)).sets.find(
      (s: { id: string }) => s.id === permissionSetId,
    );
    expect(shown.sharedWith).toEqual([a.agent.name]);

    res = await g.call(
      set.DELETE,
      "DELETE",
      `/api/internal/agents/${b.agent.id}/permission-sets/${permissionSetId}`,
      {
        reason: "b is done",
      },
      { id: b.agent.id, setId: permissionSetId },
    );
    expect(res.status).toBe(200);
    await expectStatus(b.key, 403, "scope_denied");
    await expectStatus(a.key, 201);
    const actions = await db.auditEvent.findMany({
      where: { subjectId: permissionSetId },
      orderBy: { id: "asc" },
      select: { action: true },
    });
    expect(actions.map((x) => x.action)).toEqual([
      "permission_set.defined",
      "permission_set.attached",
      "permission_set.attached",
      "permission_set.detached",
    ]);
  });

  it("refuses other roles, other origins, another agent's grant and bad input, changing nothing", async () => {
    const ops = await g.signedIn(["ops_owner"]);
    const { agent, setId } = await g.agentWithKey({ title: true });
    const other = await g.agentWithKey({ title: true });
    const [mine] = (await list(agent.id)).sets[0].grants;
    const [theirs] = (await list(other.agent.id)).sets[0].grants;
    const grantsBefore = await db.grant.findMany({ orderBy: { id: "asc" } });
    const eventsBefore = await db.auditEvent.count({ where: { lane: "config" } });

    for (const roles of [["risk_owner"], ["approver"], ["viewer"]] as const) {
      g.as(await g.signedIn([...roles]));
      const res = await add(agent.id, {
        permissionSetId: setId,
        scope: TITLE,
        reason: "x".repeat(4),
      });
      expect(res.status, roles[0]).toBe(403);
      expect((await res.json()).code).toBe("forbidden");
    }
    g.as(ops);
    let res = await add(
      agent.id,
      { permissionSetId: setId, scope: TITLE, reason: "abcd" },
      {
        origin: "http://evil.example",
      },
    );
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("cross_site_request");
    // another agent's grant and set, through this agent's door
    res = await revoke(agent.id, theirs.id, { reason: "not mine" });
    expect(res.status).toBe(404);
    res = await replace(agent.id, theirs.id, { scope: TITLE, reason: "not mine" });
    expect(res.status).toBe(404);
    res = await add(agent.id, { permissionSetId: other.setId, scope: TITLE, reason: "abcd" });
    expect(res.status).toBe(404);

    const bad: [string, unknown, RegExp][] = [
      ["no reason", { permissionSetId: setId, scope: TITLE }, /reason/],
      [
        "no operation",
        { permissionSetId: setId, scope: { ...TITLE, operations: [] }, reason: "abcd" },
        /operation/,
      ],
      [
        "update without fields",
        { permissionSetId: setId, scope: { ...TITLE, fields: [] }, reason: "abcd" },
        /fields/,
      ],
      [
        "a condition that does not parse",
        {
          permissionSetId: setId,
          scope: { ...TITLE, recordCondition: "Title like" },
          reason: "abcd",
        },
        /Invalid condition at column \d+/,
      ],
      [
        "an extra key",
        { permissionSetId: setId, scope: TITLE, reason: "abcd", validUntil: null },
        /Unrecognized/,
      ],
    ];
    for (const [name, body, message] of bad) {
      res = await add(agent.id, body);
      expect(res.status, name).toBe(400);
      expect(JSON.stringify(await res.json()), name).toMatch(message);
    }
    res = await revoke(agent.id, mine.id, {});
    expect(res.status).toBe(400);

    expect(await db.grant.findMany({ orderBy: { id: "asc" } })).toEqual(grantsBefore);
    expect(await db.auditEvent.count({ where: { lane: "config" } })).toBe(eventsBefore);
  });

  it("two people revoking or editing one grant at once: one wins, the other gets 409", async () => {
    const a = await g.signedIn(["ops_owner"]);
    const b = await g.signedIn(["admin"]);
    const { agent } = await g.agentWithKey({ title: true });
    g.as(a);
    const [target] = (await list(agent.id)).sets[0].grants;
    const users = [a, b];
    let n = 0;
    vi.mocked(getServerSession).mockImplementation(async () => {
      const u = users[n++ % 2];
      return { user: { id: u.id, sid: u.sid }, expires: "" };
    });
    const [r1, r2] = await Promise.all([
      revoke(agent.id, target.id, { reason: "first" }),
      replace(agent.id, target.id, {
        scope: { ...TITLE, recordCondition: "Status = 'Open'" },
        reason: "second",
      }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
    const loser = r1.status === 409 ? r1 : r2;
    expect((await loser.json()).code).toBe("state_changed");
    const rows = await db.grant.findMany({
      where: { permissionSet: { agents: { some: { agentId: agent.id } } } },
    });
    // either revoked alone, or replaced by exactly one new grant
    expect(rows.filter((x) => !x.revokedAt).length).toBe(r1.status === 200 ? 0 : 1);
    expect(
      await db.auditEvent.count({ where: { subjectId: target.id, action: "grant.revoked" } }),
    ).toBe(1);
  });
});
