import { afterAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession; the tests hand it the
// session next-auth would build from a signed-in cookie
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db } from "@/lib/db";
import { CONFIG_TTL_MS } from "@/lib/agent-api/policy-context";
import * as collection from "@/app/api/internal/field-ownership/route";
import * as item from "@/app/api/internal/field-ownership/[id]/route";
import { useGatewaySuite } from "./fixtures/gateway-suite";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The field-ownership editor (issue 13 item 4) through its routes: an edit changes what the
 * gateway decides for the agent's next request, on this instance at once and on another within
 * the configuration cache's second; bad input changes nothing; two edits from one form version
 * cannot both win; every change is in the config lane with who, what and why.
 */
describe("field ownership editor", () => {
  const g = useGatewaySuite();
  const created: string[] = [];
  afterAll(async () => {
    await db.fieldOwnership.deleteMany({ where: { id: { in: created } } });
  });

  const post = (body: unknown, headers?: Record<string, string>) =>
    g.call(collection.POST, "POST", "/api/internal/field-ownership", body, {}, headers);
  const patch = (id: string, body: unknown) =>
    g.call(item.PATCH, "PATCH", `/api/internal/field-ownership/${id}`, body, { id });
  const del = (id: string, body: unknown) =>
    g.call(item.DELETE, "DELETE", `/api/internal/field-ownership/${id}`, body, { id });
  const settings = (extra: object = {}) => ({
    systemOfRecord: "salesforce",
    allowedWriters: ["humans"],
    conflictRule: "manual_review",
    yieldHours: null,
    freshnessSlaMinutes: 60,
    ownerUserId: null,
    ...extra,
  });
  async function createRow(field: string, extra: object = {}) {
    const res = await post({ object: "Lead", field, ...settings(extra) });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await res.json();
    created.push(body.id);
    return body as { id: string; updatedAt: string };
  }

  it("removing an agent from the writers refuses its next request: here at once, elsewhere within a second", async () => {
    const ops = await g.signedIn(["ops_owner"]);
    g.as(ops);
    const { agent, key } = await g.agentWithKey({ title: true });
    const row = await createRow("Title", { allowedWriters: ["humans", agent.slug] });
    await sleep(CONFIG_TTL_MS + 50);
    for (const base of g.instances()) {
      const res = await g.enrich(key, base);
      expect(res.status, `${base}: ${await res.clone().text()}`).toBe(201);
    }

    const res = await patch(row.id, {
      ...settings({ allowedWriters: ["humans"] }),
      expectedUpdatedAt: row.updatedAt,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const edited = await res.json();
    expect(edited.changed).toBe(true);

    const here = await g.enrich(key, g.instances()[0]);
    expect(here.status).toBe(403);
    const problem = await here.json();
    expect(problem.code).toBe("field_owned_elsewhere");
    expect(problem.detail).toContain(`Lead.Title is owned by salesforce`);
    expect(problem.detail).toContain(`not ${agent.slug}`);
    await sleep(CONFIG_TTL_MS + 50);
    const there = await g.enrich(key, g.instances()[1]);
    expect(there.status).toBe(403);
    expect((await there.json()).code).toBe("field_owned_elsewhere");

    // letting it write again widens: refused without a reason, taken with one
    const back = { ...settings({ allowedWriters: ["humans", agent.slug] }) };
    let again = await patch(row.id, { ...back, expectedUpdatedAt: edited.updatedAt });
    expect(again.status).toBe(400);
    expect(JSON.stringify((await again.json()).errors)).toMatch(/reason.*Say why agents may/);
    again = await patch(row.id, {
      ...back,
      reason: "enrichment owns titles again",
      expectedUpdatedAt: edited.updatedAt,
    });
    expect(again.status).toBe(200);
    expect((await g.enrich(key, g.instances()[0])).status).toBe(201);

    // removing the rule is a widening too: a reason, and then nothing holds the field
    const current = await db.fieldOwnership.findUniqueOrThrow({ where: { id: row.id } });
    const noReason = await del(row.id, { expectedUpdatedAt: current.updatedAt.toISOString() });
    expect(noReason.status).toBe(400);
    const gone = await del(row.id, {
      expectedUpdatedAt: current.updatedAt.toISOString(),
      reason: "Title is free for enrichment",
    });
    expect(gone.status).toBe(200);
    expect(await db.fieldOwnership.count({ where: { id: row.id } })).toBe(0);
  });

  it("an object and field typed in another case are stored as Salesforce spells them, so the rule holds", async () => {
    const ops = await g.signedIn(["ops_owner"]);
    g.as(ops);
    const { key } = await g.agentWithKey({ title: true });
    const res = await post({ object: "lead", field: "title", ...settings() });
    expect(res.status, await res.clone().text()).toBe(200);
    const { id } = await res.json();
    created.push(id);
    expect(await db.fieldOwnership.findUniqueOrThrow({ where: { id } })).toMatchObject({
      object: "Lead",
      field: "Title",
    });
    // "lead"/"title" would never have met the agent's request for Lead.Title
    const refused = await g.enrich(key, g.instances()[0]);
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe("field_owned_elsewhere");
    // and "LEAD.TITLE" again is the same field: refused as a second row
    const again = await post({ object: "LEAD", field: "TITLE", ...settings() });
    expect(again.status).toBe(400);
    expect((await again.json()).detail).toMatch(/Lead.Title already has an ownership row/);
    await db.fieldOwnership.delete({ where: { id } });
  });

  it("records who changed what and why in the config lane", async () => {
    const ops = await g.signedIn(["ops_owner"]);
    g.as(ops);
    const { agent } = await g.agentWithKey();
    const res = await post(
      { object: "Lead", field: "Industry", ...settings({ ownerUserId: ops.id }) },
      { "user-agent": "ownership-test" },
    );
    expect(res.status).toBe(200);
    const row = await res.json();
    created.push(row.id);
    const edit = await patch(row.id, {
      ...settings({
        allowedWriters: ["humans", agent.slug],
        conflictRule: "agent_yields_to_humans",
        yieldHours: 4,
        ownerUserId: ops.id,
      }),
      reason: "  enrichment fills industries  ",
      expectedUpdatedAt: row.updatedAt,
    });
    expect(edit.status).toBe(200);
    const events = await db.auditEvent.findMany({
      where: { subjectId: row.id },
      orderBy: { id: "asc" },
    });
    expect(events.map((e) => [e.lane, e.action, e.actorUserId])).toEqual([
      ["config", "field_ownership.created", ops.id],
      ["config", "field_ownership.updated", ops.id],
    ]);
    expect(events[0].payload).toMatchObject({
      object: "Lead",
      field: "Industry",
      before: null,
      context: { userAgent: "ownership-test" },
    });
    expect(events[1].reasonText).toBe("enrichment fills industries");
    expect(events[1].payload).toMatchObject({
      before: { allowedWriters: ["humans"], conflictRule: "manual_review", yieldHours: null },
      after: {
        allowedWriters: ["humans", agent.slug],
        conflictRule: "agent_yields_to_humans",
        yieldHours: 4,
      },
      widened: [`lets ${agent.slug} write it`],
    });
    // the list names the owner
    const list = await g.call(collection.GET, "GET", "/api/internal/field-ownership");
    const rows = (await list.json()).rows as { id: string; owner: string | null }[];
    expect(rows.find((r) => r.id === row.id)?.owner).toBe(ops.name);
  });

  it("refuses bad input, unknown fields and people without the permission, and changes nothing", async () => {
    const ops = await g.signedIn(["ops_owner"]);
    g.as(ops);
    const row = await createRow("Website");
    const before = await db.fieldOwnership.findMany({ orderBy: { id: "asc" } });
    const eventsBefore = await db.auditEvent.count({ where: { subjectType: "field_ownership" } });

    const bad: [string, unknown, RegExp][] = [
      ["unknown object", { object: "Leed", field: "Title", ...settings() }, /no object \W*Leed/],
      ["unknown field", { object: "Lead", field: "Titel", ...settings() }, /Lead has no field/],
      ["bad object name", { object: "Lead; drop", field: "Title", ...settings() }, /API name/],
      [
        "yield without hours",
        { object: "Lead", field: "Title", ...settings({ conflictRule: "agent_yields_to_humans" }) },
        /how many hours/,
      ],
      [
        "hours without yield",
        { object: "Lead", field: "Title", ...settings({ yieldHours: 3 }) },
        /only to the rule/,
      ],
      [
        "unknown rule",
        { object: "Lead", field: "Title", ...settings({ conflictRule: "first_wins" }) },
        /conflict rule/,
      ],
      [
        "writer twice",
        { object: "Lead", field: "Title", ...settings({ allowedWriters: ["humans", "humans"] }) },
        /Each writer once/,
      ],
      [
        "bad writer",
        { object: "Lead", field: "Title", ...settings({ allowedWriters: ["Bad Writer"] }) },
        /A writer/,
      ],
      [
        "SLA 0",
        { object: "Lead", field: "Title", ...settings({ freshnessSlaMinutes: 0 }) },
        /at least 1/,
      ],
      [
        "unknown owner",
        { object: "Lead", field: "Title", ...settings({ ownerUserId: "nobody" }) },
        /active user/,
      ],
      ["a second row for a field", { object: "Lead", field: "Website", ...settings() }, /already/],
    ];
    for (const [name, body, message] of bad) {
      const res = await post(body);
      expect(res.status, name).toBe(400);
      expect(JSON.stringify(await res.json()), name).toMatch(message);
    }
    let res = await patch(row.id, { ...settings(), expectedUpdatedAt: "yesterday" });
    expect(res.status).toBe(400);
    res = await patch("no-such-row", { ...settings(), expectedUpdatedAt: row.updatedAt });
    expect(res.status).toBe(404);

    // another origin, and a role without the permission
    res = await post(
      { object: "Lead", field: "Title", ...settings() },
      {
        origin: "http://evil.example",
      },
    );
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("cross_site_request");
    g.as(await g.signedIn(["approver"]));
    res = await patch(row.id, {
      ...settings({ freshnessSlaMinutes: 5 }),
      expectedUpdatedAt: row.updatedAt,
    });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("forbidden");

    expect(await db.fieldOwnership.findMany({ orderBy: { id: "asc" } })).toEqual(before);
    expect(await db.auditEvent.count({ where: { subjectType: "field_ownership" } })).toBe(
      eventsBefore,
    );
  });

  it("two edits from the same form version: one wins, the other gets 409 and nothing is lost", async () => {
    const a = await g.signedIn(["ops_owner"]);
    const b = await g.signedIn(["system_owner"]);
    g.as(a);
    const row = await createRow("NumberOfEmployees");
    const users = [a, b];
    let n = 0;
    vi.mocked(getServerSession).mockImplementation(async () => {
      const u = users[n++ % 2];
      return { user: { id: u.id, sid: u.sid }, expires: "" };
    });
    const [r1, r2] = await Promise.all([
      patch(row.id, { ...settings({ freshnessSlaMinutes: 30 }), expectedUpdatedAt: row.updatedAt }),
      patch(row.id, { ...settings({ freshnessSlaMinutes: 15 }), expectedUpdatedAt: row.updatedAt }),
    ]);
    const statuses = [r1.status, r2.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = r1.status === 409 ? r1 : r2;
    const problem = await loser.json();
    expect(problem.code).toBe("state_changed");
    expect(problem.detail).toMatch(/Someone else changed Lead.NumberOfEmployees/);
    const winner = r1.status === 200 ? 30 : 15;
    const now = await db.fieldOwnership.findUniqueOrThrow({ where: { id: row.id } });
    expect(now.freshnessSlaMinutes).toBe(winner);
    expect(
      await db.auditEvent.count({
        where: { subjectId: row.id, action: "field_ownership.updated" },
      }),
    ).toBe(1);
  });
});
