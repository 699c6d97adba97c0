import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";

/**
 * Every console route that changes state refuses a request that is not same-origin JSON before
 * it reads the session, so a page on another site (or another port of the same host) that
 * makes the signed-in person's browser post to it changes nothing. Found by walking app/api/internal:
 * a route added later without the guard fails here.
 */
const ROOT = path.join(process.cwd(), "app", "api", "internal");
const METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;

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

describe("console routes refuse cross-site requests", () => {
  const doors: { file: string; method: string; handler: THandler }[] = [];

  beforeAll(async () => {
    await seedDemoOrg();
    for (const file of routeFiles(ROOT)) {
      const mod = (await import(file)) as Record<string, unknown>;
      for (const m of METHODS)
        if (typeof mod[m] === "function") {
          doors.push({
            file: path.relative(process.cwd(), file),
            method: m,
            handler: mod[m] as THandler,
          });
        }
    }
  });

  const params = () =>
    Promise.resolve({ id: "ar_x", slug: "prod", keyId: "k_x" } as Record<string, string>);
  const attack = (url: string, method: string, headers: Record<string, string>) =>
    new Request(`http://localhost:3000${url}`, {
      method,
      headers: { host: "localhost:3000", cookie: "next-auth.session-token=stolen", ...headers },
      body: JSON.stringify({ scope: "global", reason: "csrf", decision: "approve" }),
    });

  it("finds the state-changing doors", () => {
    // kill switches, inbox decisions, drafts, bulk, dead letters, halted work, keys, environments
    expect(doors.length).toBeGreaterThanOrEqual(10);
  });

  it.each([
    [
      "text/plain from another site",
      { "content-type": "text/plain", origin: "http://evil.example" },
    ],
    [
      "text/plain from another port of the same host",
      { "content-type": "text/plain", origin: "http://localhost:4444" },
    ],
    [
      "a form post",
      { "content-type": "application/x-www-form-urlencoded", origin: "http://evil.example" },
    ],
    [
      "JSON from another site",
      { "content-type": "application/json", origin: "http://evil.example" },
    ],
    [
      "JSON with no Origin, cross-site",
      { "content-type": "application/json", "sec-fetch-site": "cross-site" },
    ],
  ])("%s → 403 at every door, nothing changes", async (_name, headers) => {
    const before = await db.killSwitch.count({ where: { engaged: true } });
    const approvals = await db.approval.count();
    const events = await db.auditEvent.count();
    for (const d of doors) {
      const res = await d.handler(attack(`/${d.file}`, d.method, headers), { params: params() });
      expect(res.status, `${d.method} ${d.file}`).toBe(403);
      expect(await res.json()).toMatchObject({ code: "cross_site_request" });
    }
    expect(await db.killSwitch.count({ where: { engaged: true } })).toBe(before);
    expect(await db.approval.count()).toBe(approvals);
    expect(await db.auditEvent.count()).toBe(events);
  });

  it("a same-origin JSON request gets past the guard (to the session check)", async () => {
    const trip = doors.find((d) => d.file.endsWith(path.join("kill-switches", "trip", "route.ts")));
    expect(trip).toBeDefined();
    const res = await trip!.handler(
      attack("/api/internal/kill-switches/trip", "POST", {
        "content-type": "application/json",
        origin: "http://localhost:3000",
      }),
      { params: params() },
    );
    // no real session here: refused by the session check, not by the CSRF guard
    expect((await res.json()).code).not.toBe("cross_site_request");
  });
});
