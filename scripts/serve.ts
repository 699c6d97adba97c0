/**
 * The production web server, in place of `next start`: `npm start` (scripts/start.ts), e2e
 * (playwright.config.ts) and the benches run it (scripts/lib/runtime.ts `serverArgs`). Next
 * serves every page and route through its custom-server API (`next({ dev: false })`,
 * `getRequestHandler()`), except the agent API: its own door (lib/http/agent-door.ts) calls the
 * same handlers without Next's per-request machinery. Prints "Ready on <url>" when listening.
 *   node --require ./scripts/lib/outside-next.cjs --import tsx scripts/serve.ts --port N [--host H]
 */
import http from "node:http";
import { parseArgs } from "node:util";
import { env, setProductionMode } from "@/lib/env";

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
  const { serveAgentApi } = await import("@/lib/http/agent-door");
  const app = next({ dev: false, dir: process.cwd(), hostname: host, port });
  const handle = app.getRequestHandler();
  // Next runs instrumentation.ts here: this instance's registry row and kill-switch listener
  await app.prepare();

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
    // the registry row goes (instrumentation started the instance; stopping twice is harmless)
    void import("@/lib/health/start-instance")
      .then((m) => m.startWebInstance()?.then((i) => i.stop()))
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
