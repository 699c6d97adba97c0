// Launcher: `npm run sf:sandbox -- --port 4010 --seed demo --control`.
// State lives in a JSON snapshot (default .data/sf-sandbox.json): loaded at start, written
// shortly after every change and flushed on SIGINT/SIGTERM, so restarts keep the org.
// `--seed demo` fills an org that has no saved state; `--reset` discards saved state.
import path from "node:path";
import { parseArgs } from "node:util";
import { startPersistentSandbox } from "./persistent";

const USAGE = `Usage: sf-sandbox [--port 4010] [--host 127.0.0.1] [--seed demo|none] [--control]
  [--username u --password p --client-id id --client-secret s]
  [--state-file .data/sf-sandbox.json | --no-persist] [--reset] [--daily-limit 15000] [--session-ttl-minutes 120]`;

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4010" },
      host: { type: "string", default: "127.0.0.1" },
      seed: { type: "string" },
      control: { type: "boolean", default: false },
      username: { type: "string" },
      password: { type: "string" },
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      "state-file": { type: "string", default: ".data/sf-sandbox.json" },
      "no-persist": { type: "boolean", default: false },
      reset: { type: "boolean", default: false },
      "daily-limit": { type: "string" },
      "session-ttl-minutes": { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535\n${USAGE}`);
  if (values.seed && values.seed !== "demo" && values.seed !== "none")
    throw new Error(`--seed must be demo or none\n${USAGE}`);

  for (const flag of ["daily-limit", "session-ttl-minutes"] as const) {
    const raw = values[flag];
    if (raw !== undefined && !(Number.isInteger(Number(raw)) && Number(raw) > 0)) {
      throw new Error(`--${flag} must be a positive integer\n${USAGE}`);
    }
  }
  const stateFile = values["no-persist"] ? undefined : path.resolve(values["state-file"]);
  const sandbox = await startPersistentSandbox({
    port,
    host: values.host,
    stateFile,
    seed: values.seed as "demo" | "none" | undefined,
    reset: values.reset,
    control: values.control,
    dailyApiLimit: values["daily-limit"] ? Number(values["daily-limit"]) : undefined,
    sessionTtlMs: values["session-ttl-minutes"]
      ? Number(values["session-ttl-minutes"]) * 60_000
      : undefined,
    credentials: {
      ...(values.username ? { username: values.username } : {}),
      ...(values.password ? { password: values.password } : {}),
      ...(values["client-id"] ? { clientId: values["client-id"] } : {}),
      ...(values["client-secret"] ? { clientSecret: values["client-secret"] } : {}),
    },
  });
  const { server, origin } = sandbox;

  const { username, password, clientId, clientSecret } = server.credentials;
  console.log(`Salesforce sandbox listening on ${server.url}`);
  console.log(`  login URL:      ${server.url}  (OAuth password flow at /services/oauth2/token)`);
  console.log(`  username:       ${username}`);
  console.log(`  password:       ${password}`);
  console.log(`  client id:      ${clientId}`);
  console.log(`  client secret:  ${clientSecret}`);
  console.log(`  state file:     ${stateFile ?? "(not persisted)"}`);
  console.log(`  org:            ${origin}`);
  console.log(`  control routes: ${values.control ? `${server.url}/__sandbox/` : "off"}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[sf-sandbox] ${signal}: saving state and stopping`);
    await sandbox.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
