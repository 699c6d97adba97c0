import { describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession; the tests hand it the
// session next-auth would build from a signed-in cookie
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db } from "@/lib/db";
import type { TRole } from "@/lib/auth/permissions";
import { createUserSession } from "@/lib/auth/user-sessions";
import { seedUser } from "@/lib/seed/seed-helpers";
import { setUserRoles } from "@/lib/users";
import { POST } from "@/app/api/internal/users/[id]/roles/route";

const ORIGIN = "http://localhost:3000";

async function signedIn(roles: TRole[]) {
  const u = await seedUser(db, { roles });
  return { ...u, sid: await createUserSession(u.id, null) };
}

const as = (u: { id: string; sid: string }) =>
  vi.mocked(getServerSession).mockResolvedValue({ user: { id: u.id, sid: u.sid }, expires: "" });

const setRoles = (userId: string, body: unknown, origin = ORIGIN) =>
  POST(
    new Request(`${ORIGIN}/api/internal/users/${userId}/roles`, {
      method: "POST",
      headers: { host: "localhost:3000", origin, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    { params: Promise.resolve({ id: userId }) },
  );

const rolesOf = async (userId: string) =>
  (await db.roleAssignment.findMany({ where: { userId }, select: { role: true } }))
    .map((r) => r.role)
    .sort();

describe("assigning roles in the console", () => {
  it("an admin gives a person with no roles (a first SSO sign-in) their roles, audited", async () => {
    const admin = await signedIn(["admin"]);
    const person = await seedUser(db, { roles: [] });
    as(admin);
    const res = await setRoles(person.id, { roles: ["approver", "viewer"] });
    expect(res.status).toBe(200);
    expect(await rolesOf(person.id)).toEqual(["approver", "viewer"]);
    const event = await db.auditEvent.findFirstOrThrow({
      where: { subjectId: person.id, action: "user.roles_changed" },
    });
    expect(event).toMatchObject({ lane: "config", actorUserId: admin.id });
    expect(event.payload).toMatchObject({ from: [], to: ["approver", "viewer"], via: "console" });
  });

  it("refuses non-admins, another origin, unknown roles and repeats, changing nothing", async () => {
    const admin = await signedIn(["admin"]);
    const ops = await signedIn(["ops_owner"]);
    const person = await seedUser(db, { roles: ["viewer"] });
    as(ops);
    expect((await setRoles(person.id, { roles: ["admin"] })).status).toBe(403);
    as(admin);
    expect((await setRoles(person.id, { roles: ["admin"] }, "https://evil.example")).status).toBe(
      403,
    );
    const bad = await setRoles(person.id, { roles: ["superuser"] });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect((await setRoles(person.id, { roles: ["viewer", "viewer"] })).status).toBe(400);
    expect((await setRoles(person.id, { roles: ["viewer"], extra: 1 })).status).toBe(400);
    expect((await setRoles("no-such-user", { roles: [] })).status).toBe(404);
    expect(await rolesOf(person.id)).toEqual(["viewer"]);
  });

  it("never takes admin from the last active admin, even with two demotions at once", async () => {
    const before = await db.roleAssignment.findMany({
      where: { role: "admin", environmentId: null, user: { status: "active" } },
      select: { userId: true },
    });
    const a = await seedUser(db, { roles: ["admin"] });
    const b = await seedUser(db, { roles: ["admin"] });
    // only these two are active admins for this test
    const others = before.map((r) => r.userId);
    await db.user.updateMany({ where: { id: { in: others } }, data: { status: "disabled" } });
    try {
      const results = await Promise.allSettled([
        setUserRoles(a.id, { roles: ["viewer"] }, b.id),
        setUserRoles(b.id, { roles: ["viewer"] }, a.id),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const admins = [...(await rolesOf(a.id)), ...(await rolesOf(b.id))].filter(
        (r) => r === "admin",
      );
      expect(admins).toHaveLength(1);
    } finally {
      await db.user.updateMany({ where: { id: { in: others } }, data: { status: "active" } });
    }
  });
});
