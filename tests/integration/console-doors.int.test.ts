import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";

// requireUser reads the session through next-auth's getServerSession; the tests hand it the
// session next-auth would build from a signed-in cookie (a valid one: these are not anonymous)
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: vi.fn(),
}));

import { getServerSession } from "next-auth";
import { db } from "@/lib/db";
import { ROLES } from "@/lib/auth/permissions";
import { createUserSession } from "@/lib/auth/user-sessions";
import { seedUser } from "@/lib/seed/seed-helpers";

/**
 * Every state-changing console door (each POST/PUT/PATCH/DELETE exported by a route file under
 * app/api/internal, found by walking the folder: a route added later is covered without editing
 * this test), called by a signed-in person holding every role, refuses
 * (a) JSON from another site, (b) a body nested 2,000 levels deep, (c) a body over the size
 * limit — each with its own code, and nothing changes: no audit event by that person (every
 * console change is audited with its actor) and the probe group's row stays as it was.
 */
const ROOT = path.join(process.cwd(), "app", "api", "internal");
const METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;
const ORIGIN = "http://localhost:3000";

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return routeFiles(p);
    return e.name === "route.ts" ? [p] : [];
  });
}

type THandler = (
  req: Request,
  ctx: { params: Promise<Record<string, string>> },
) => Promise<Response>;

const deep = (n: number) => `${'{"reason":'.repeat(n)}"x"${"}".repeat(n)}`;
const oversize = () => JSON.stringify({ reason: "x".repeat(300 * 1024) });

describe("every console door refuses a hostile request and changes nothing", () => {
  const doors: { file: string; method: string; handler: THandler }[] = [];
  let userId = "";
  let group = { key: "", id: "" };
  // the dynamic segments of the folder names, filled with the probe group's key or a real-looking id
  let params: Record<string, string> = {};

  beforeAll(async () => {
    for (const file of routeFiles(ROOT)) {
      const mod = (await import(file)) as Record<string, unknown>;
      for (const m of METHODS)
        if (typeof mod[m] === "function")
          doors.push({ file: path.relative(ROOT, file), method: m, handler: mod[m] as THandler });
    }
    const u = await seedUser(db, { roles: [...ROLES] });
    userId = u.id;
    const sid = await createUserSession(u.id, null);
    vi.mocked(getServerSession).mockResolvedValue({ user: { id: u.id, sid }, expires: "" });
    const g = await db.approverGroup.create({
      data: { key: `doors_${u.id.slice(-8).toLowerCase()}`, name: "Door probe" },
    });
    group = { key: g.key, id: g.id };
    params = {
      id: g.id,
      key: g.key,
      slug: "prod",
      keyId: "k_x",
      grantId: "g_x",
      setId: "s_x",
      versionId: "v_x",
      action: "approve",
      actionType: "lead.enrich",
      errorClass: "transient",
    };
  });

  const call = (d: (typeof doors)[number], headers: Record<string, string>, body: string) =>
    d.handler(
      new Request(`${ORIGIN}/api/internal/${d.file}`, {
        method: d.method,
        headers: { host: "localhost:3000", "content-type": "application/json", ...headers },
        body,
      }),
      { params: Promise.resolve(params) },
    );

  const unchanged = async () => {
    expect(await db.auditEvent.count({ where: { actorUserId: userId } })).toBe(0);
    const g = await db.approverGroup.findUniqueOrThrow({ where: { id: group.id } });
    expect(g).toMatchObject({ name: "Door probe", webhookUrl: null, slaMinutes: null });
  };

  it("finds the state-changing doors", () => {
    expect(doors.length).toBeGreaterThanOrEqual(60);
    expect(doors.map((d) => `${d.method} ${d.file}`)).toContain(
      `POST ${path.join("groups", "[key]", "webhook", "route.ts")}`,
    );
  });

  it.each([
    [
      "JSON from another site with a valid session",
      { origin: "http://evil.example" },
      () => JSON.stringify({ reason: "csrf", url: "https://evil.example/hook", slaMinutes: 5 }),
      403,
      "cross_site_request",
    ],
    ["a body nested 2,000 levels deep", { origin: ORIGIN }, () => deep(2000), 400, "invalid_body"],
    ["a body over the size limit", { origin: ORIGIN }, oversize, 413, "payload_too_large"],
  ])("%s → refused at every door", async (_name, headers, body, status, code) => {
    const wrong: string[] = [];
    for (const d of doors) {
      const res = await call(d, headers, body());
      const problem = (await res.json()) as { code?: string; detail?: string };
      if (res.status !== status || problem.code !== code)
        wrong.push(`${d.method} ${d.file}: ${res.status} ${problem.code}`);
      else expect(problem.detail, `${d.method} ${d.file}`).toBeTruthy();
    }
    expect(wrong).toEqual([]);
    await unchanged();
  });

  it("the same session and a sound same-origin body do get through (the probes are real)", async () => {
    const sla = doors.find(
      (d) => d.file === path.join("groups", "[key]", "sla", "route.ts") && d.method === "POST",
    )!;
    const g = await db.approverGroup.findUniqueOrThrow({ where: { id: group.id } });
    const body = JSON.stringify({ slaMinutes: 30, expectedUpdatedAt: g.updatedAt.toISOString() });
    expect((await call(sla, { origin: "http://evil.example" }, body)).status).toBe(403);
    const res = await call(sla, { origin: ORIGIN }, body);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect((await db.approverGroup.findUniqueOrThrow({ where: { id: group.id } })).slaMinutes).toBe(
      30,
    );
  });
});
