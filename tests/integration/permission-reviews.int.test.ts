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
import { createUserSession } from "@/lib/auth/user-sessions";
import { seedUser } from "@/lib/seed/seed-helpers";
import { agentGrants, clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { POST } from "@/app/api/internal/agents/[id]/reviews/[setId]/route";
import { GET } from "@/app/api/internal/agents/[id]/reviews/route";
import { useScratch } from "./fixtures/scratch";

const ORIGIN = "http://localhost:3000";

/** Periodic permission reviews through the console's route: keep a set, or revoke its grants. */
describe("permission reviews", () => {
  const s = useScratch();
  const setIds: string[] = [];
  let risk: { id: string; sid: string };
  let ops: { id: string; sid: string };

  const as = (u: { id: string; sid: string }) =>
    vi.mocked(getServerSession).mockResolvedValue({ user: { id: u.id, sid: u.sid }, expires: "" });
  const review = (
    agentId: string,
    setId: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) =>
    POST(
      new Request(`${ORIGIN}/api/internal/agents/${agentId}/reviews/${setId}`, {
        method: "POST",
        headers: {
          host: "localhost:3000",
          origin: ORIGIN,
          "content-type": "application/json",
          ...headers,
        },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
      { params: Promise.resolve({ id: agentId, setId }) },
    );
  const list = async (agentId: string) =>
    (
      await (
        await GET(new Request(`${ORIGIN}/api/internal/agents/${agentId}/reviews`), {
          params: Promise.resolve({ id: agentId }),
        })
      ).json()
    ).reviews;

  /** A scratch agent with one permission set of two grants, never reviewed. */
  async function agentWithSet() {
    const agent = await s.agent("dev");
    const set = await db.permissionSet.create({
      data: {
        slug: `rv-${crypto.randomBytes(3).toString("hex")}`,
        name: "Renewals",
        domain: "renewals",
        environmentId: agent.environmentId,
        agents: { create: { agentId: agent.id } },
        grants: {
          create: [
            {
              object: "Opportunity",
              operations: ["update"],
              writableFields: ["NextStep"],
              reason: "r",
            },
            { object: "Task", operations: ["create"], writableFields: ["Subject"], reason: "r" },
          ],
        },
      },
    });
    setIds.push(set.id);
    return { agent, set };
  }

  beforeAll(async () => {
    const signedIn = async (roles: ("risk_owner" | "ops_owner")[]) => {
      const u = await seedUser(db, { roles, name: `Rita ${roles[0]}` });
      return { id: u.id, sid: await createUserSession(u.id, null) };
    };
    risk = await signedIn(["risk_owner"]);
    ops = await signedIn(["ops_owner"]);
  });
  afterAll(async () => {
    await db.permissionSet.deleteMany({ where: { id: { in: setIds } } });
  });

  it("a set never reviewed is due now; keeping it sets the next due date, audited", async () => {
    const { agent, set } = await agentWithSet();
    as(risk);
    expect(await list(agent.id)).toEqual([
      expect.objectContaining({ id: set.id, activeGrants: 2, lastReview: null, overdue: true }),
    ]);
    const before = Date.now();
    const res = await review(agent.id, set.id, {
      outcome: "approved",
      notes: "Still renewing",
      nextDueInDays: 30,
    });
    expect(res.status).toBe(200);
    const [row] = (await res.json()).reviews;
    expect(row).toMatchObject({
      activeGrants: 2,
      overdue: false,
      lastReview: { outcome: "approved", reviewer: "Rita risk_owner", notes: "Still renewing" },
    });
    const due = new Date(row.dueAt).getTime();
    expect(due - before).toBeGreaterThanOrEqual(30 * 86_400_000);
    const event = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: set.id, action: "permission_set.reviewed" },
    });
    expect(event).toMatchObject({
      lane: "config",
      actorUserId: risk.id,
      reasonText: "Still renewing",
    });
    expect(event.payload).toMatchObject({ outcome: "approved", grantsRevoked: 0 });
  });

  it("revoking ends every grant in the set for the policy at once", async () => {
    const { agent, set } = await agentWithSet();
    clearPolicyCaches();
    expect((await agentGrants(agent.id)).filter((g) => !g.revokedAt)).toHaveLength(2);
    as(risk);
    const res = await review(agent.id, set.id, {
      outcome: "revoked",
      notes: "Renewals moved to a person",
      nextDueInDays: 90,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).reviews[0]).toMatchObject({ activeGrants: 0 });
    expect((await agentGrants(agent.id)).every((g) => g.revokedAt)).toBe(true);
    const event = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: set.id, action: "permission_set.reviewed" },
    });
    expect(event.payload).toMatchObject({ outcome: "revoked", grantsRevoked: 2 });
  });

  it("refuses an ops owner, another origin, another agent's set and bad input; changes nothing", async () => {
    const { agent, set } = await agentWithSet();
    const other = await agentWithSet();
    const ok = { outcome: "approved", notes: "fine", nextDueInDays: 90 };
    as(ops);
    expect((await review(agent.id, set.id, ok)).status).toBe(403);
    as(risk);
    const cross = await review(agent.id, set.id, ok, { origin: "http://evil.example" });
    expect((await cross.json()).code).toBe("cross_site_request");
    // a set that is not this agent's, under this agent's URL
    expect((await review(agent.id, other.set.id, ok)).status).toBe(404);
    for (const body of [
      { ...ok, nextDueInDays: 0 },
      { ...ok, nextDueInDays: -1 },
      { ...ok, nextDueInDays: 10_000 },
      { ...ok, notes: "" },
      { ...ok, outcome: "maybe" },
      "[".repeat(2000) + "]".repeat(2000),
    ]) {
      expect((await review(agent.id, set.id, body)).status).toBe(400);
    }
    expect(
      await db.permissionReview.count({
        where: { permissionSetId: { in: [set.id, other.set.id] } },
      }),
    ).toBe(0);
    expect(
      await db.grant.count({ where: { permissionSetId: set.id, revokedAt: { not: null } } }),
    ).toBe(0);
  });
});
