import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/lib/db/embedded";
import { childEnv } from "@/lib/env";
import { createApiKey } from "@/lib/agents/api-keys";
import { seedDemoOrg } from "@/lib/seed/seed-demo-org";
import { buildIfNeeded, serverArgs } from "../../scripts/lib/runtime";

/**
 * The production server (scripts/serve.ts) holds ONE copy of lib/: the agent API's door calls
 * the handlers of Next's compiled route modules, so everything with state (the Prisma client and
 * pool, pg-boss, the caches the console clears, kill-switch memory) exists once, in Next's
 * build. The server runs as `npm start` runs it, with a preload that records every lib/ file
 * Node's own loader compiles (fixtures/record-lib-loads.cjs): after agent and console traffic,
 * those may only be the door's modules that hold no state. Before, the door imported the
 * handlers through tsx: lib/db/index.ts and a hundred more loaded a second time.
 */
const OUTSIDE_NEXT = [
  // serve.ts reads PORT and HOST; lib/env.ts and the constants it imports
  "lib/env.ts",
  "lib/auth/throttle.ts",
  "lib/auth/permissions.ts",
  "lib/net/ip-range.ts",
  // the door: node:http to the compiled handlers, its path table, request, headers and body cap
  "lib/http/agent-door.ts",
  "lib/http/agent-paths.ts",
  "lib/http/door-request.ts",
  "lib/http/security-headers.ts",
  "lib/agent-api/limits.ts",
];

describe("one copy of lib in the production server", () => {
  let server: ChildProcess;
  let url: string;
  let key: string;
  const loads = () =>
    fs
      .readFileSync(path.join(os.tmpdir(), `tollgate-lib-loads-${server.pid}.txt`), "utf8")
      .split("\n")
      .filter(Boolean);

  beforeAll(async () => {
    await buildIfNeeded();
    await seedDemoOrg({ history: false });
    key = (await createApiKey({ agentSlug: "lead-enrichment-bot", envSlug: "prod" })).plaintext;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const preload = path.join(
      process.cwd(),
      "tests",
      "integration",
      "fixtures",
      "record-lib-loads.cjs",
    );
    server = spawn(process.execPath, ["--require", preload, ...serverArgs(port, "127.0.0.1")], {
      stdio: ["ignore", "pipe", "inherit"],
      env: childEnv({
        NEXTAUTH_SECRET: "one-lib-test-secret",
        NEXTAUTH_URL: url,
        NEXT_TELEMETRY_DISABLED: "1",
      }),
    });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      server.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("Ready on")) resolve();
      });
      server.once("exit", (code) => reject(new Error(`the server exited (${code}): ${out}`)));
    });
  }, 300_000);

  afterAll(async () => {
    if (!server) return;
    if (server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
    }
    fs.rmSync(path.join(os.tmpdir(), `tollgate-lib-loads-${server.pid}.txt`), { force: true });
  });

  it("answers the agent API through its door and the console through Next", async () => {
    const me = await fetch(`${url}/api/agent/v1/me`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(me.status).toBe(200);
    expect(me.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const bad = await fetch(`${url}/api/agent/v1/action-requests`, {
      method: "POST",
      headers: { authorization: "Bearer tg_bad", "content-type": "application/json" },
      body: "{}",
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
    // Next answers what the door does not: a method the route lacks, and every page
    const wrongMethod = await fetch(`${url}/api/agent/v1/me`, { method: "POST" });
    expect(wrongMethod.status).toBe(405);
    expect((await fetch(`${url}/login`)).status).toBe(200);
    expect((await fetch(`${url}/api/health`)).headers.get("content-type")).toContain("json");
  });

  it("loads no lib/ module outside Next's build but the door's stateless ones", () => {
    const outside = loads();
    // the record is live: serve.ts's own imports are in it
    expect(outside).toContain("lib/http/agent-door.ts");
    expect(outside.filter((f) => !OUTSIDE_NEXT.includes(f))).toEqual([]);
  });
});
