import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { USER_AGENT_MAX } from "@/lib/audit/events";
import { requestContext } from "./request-context";

const ROOT = path.join(process.cwd(), "app", "api", "internal");
/** State-changing console routes that write no audit event (a verification run is its own record). */
// POSTs that write no audit event: a verification run (recorded as a run), and one event's
// re-hash (reads only; a POST so it is never cached or prefetched)
const NO_AUDIT_EVENT = ["audit/verify/route.ts", "audit/events/[id]/verify/route.ts"];

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return routeFiles(p);
    return e.name === "route.ts" ? [p] : [];
  });
}

const req = (headers: Record<string, string>) =>
  new Request("http://localhost:3000/api/internal/x", { method: "POST", headers });

describe("requestContext", () => {
  const trust = process.env.TOLLGATE_TRUST_PROXY;
  afterEach(() => {
    if (trust === undefined) delete process.env.TOLLGATE_TRUST_PROXY;
    else process.env.TOLLGATE_TRUST_PROXY = trust;
  });

  it.each([
    ["no trusted proxy: x-forwarded-for is the client's say-so", undefined, "1.2.3.4", null],
    ["one trusted proxy: the entry it appended", "1", "6.6.6.6, 1.2.3.4", "1.2.3.4"],
    [
      "two trusted proxies: the address the outer one saw",
      "2",
      "6.6.6.6, 1.2.3.4, 10.0.0.1",
      "1.2.3.4",
    ],
    ["a trusted proxy but no header", "true", undefined, null],
  ])("%s", (_why, trustProxy, xff, ip) => {
    if (trustProxy === undefined) delete process.env.TOLLGATE_TRUST_PROXY;
    else process.env.TOLLGATE_TRUST_PROXY = trustProxy;
    const ctx = requestContext(req(xff ? { "x-forwarded-for": xff } : {}));
    expect(ctx.ip).toBe(ip);
  });

  it("keeps the user agent, cut to its limit, and null when absent or blank", () => {
    const long = "Mozilla/5.0 ".padEnd(USER_AGENT_MAX + 50, "x");
    expect(requestContext(req({ "user-agent": long })).userAgent).toBe(
      long.slice(0, USER_AGENT_MAX),
    );
    expect(requestContext(req({ "user-agent": "curl/8.5.0" })).userAgent).toBe("curl/8.5.0");
    expect(requestContext(req({ "user-agent": "   " })).userAgent).toBeNull();
    expect(requestContext(req({})).userAgent).toBeNull();
  });

  it("is passed on by every console route that changes something", () => {
    const files = routeFiles(ROOT);
    const changing = files.filter((f) =>
      /export const (POST|PUT|PATCH|DELETE)\b/.test(fs.readFileSync(f, "utf8")),
    );
    expect(changing.length).toBeGreaterThanOrEqual(10);
    const missing = changing
      .map((f) => path.relative(ROOT, f))
      .filter((f) => !NO_AUDIT_EVENT.includes(f))
      .filter(
        (f) => !/\bcontext\b[^]*\bcontext\b/.test(fs.readFileSync(path.join(ROOT, f), "utf8")),
      );
    expect(missing).toEqual([]);
  });
});
