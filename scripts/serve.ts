/**
 * The production web server, in place of `next start`: `npm start` (scripts/start.ts), e2e
 * (playwright.config.ts) and the benches run it (scripts/lib/runtime.ts `serverArgs`). Next
 * serves every page and route through its custom-server API (`next({ dev: false })`,
 * `getRequestHandler()`), except the agent API: its own door (lib/http/agent-door.ts) calls the
 * handlers of Next's own compiled route modules (scripts/lib/compiled-agent-routes.ts) without
 * Next's per-request machinery. Prints "Ready on <url>" when listening.
 *
 * One copy of lib/ per process: everything with state (the pool, Prisma, pg-boss, caches,
 * kill-switch memory) lives in Next's build; this file and what it imports outside it
 * (lib/env.ts, the door, its path table) hold none. tests/integration/one-lib.int.test.ts checks.
 *   node --require ./scripts/lib/outside-next.cjs --import tsx scripts/serve.ts --port N [--host H]
 */
import http from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import { env, setProductionMode } from "@/lib/env";
import { createAgentDoor } from "@/lib/http/agent-door";
import { compiledAgentRoutes, requireFromBuild } from "./lib/compiled-agent-routes";

const { values } = parseArgs({
  // --next-only: Next answers the agent API too (bench:ingest compares the two doors with it)
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "next-only": { type: "boolean", default: false },
  },
});

async function main() {
  setProductionMode();
  const port = Number(values.port ?? env().PORT);
  const host = values.host ?? env().HOST;
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: process.cwd(), hostname: host, port });
  const handle = app.getRequestHandler();
  // Next runs instrumentation.ts here: this instance's registry row and kill-switch listener
  await app.prepare();
  const distDir = path.join(process.cwd(), ".next");
  // loaded now: a build without the agent routes fails here, and the first request waits for none
  const serveAgentApi = createAgentDoor(await compiledAgentRoutes(distDir));
  const instrumentation = requireFromBuild(distDir)("./instrumentation.js") as Promise<{
    stopInstance?: () => Promise<void>;
  }>;

  const server = http.createServer((req, res) => {
    if (!values["next-only"] && serveAgentApi(req, res)) return;
    void handle(req, res);
  });
  // as `next start`: idle keep-alive connections outlive a load balancer's (60 s)
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  console.log(`[tollgate] Ready on http://${host}:${port}`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // no new connections; idle ones close now, busy ones once their response is sent
    server.close();
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2_000).unref();
    // the registry row goes, through Next's copy of instrumentation.ts (which started it)
    void Promise.resolve(instrumentation)
      .then((m) => m.stopInstance?.())
      .catch(() => {})
      .finally(() => app.close().finally(() => process.exit(0)));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
