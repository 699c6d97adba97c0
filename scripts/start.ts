/**
 * `npm start`: embedded PostgreSQL (unless DATABASE_URL is set), migrations, the demo org,
 * then the web server (scripts/serve.ts: Next.js, and the agent API's own door). Survives SIGKILL: the web server (exit-with-parent.cjs) and the
 * postmaster (a watchdog, lib/db/embedded.ts) stop within seconds, and the next start stops
 * whatever an earlier run still left.
 */
import fs from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { EmbeddedPostgresError, freePort, isAlive, portIsFree } from "@/lib/db/embedded";
import { migrateDeploy } from "@/lib/db/admin";
import { checkEnv, childEnv, env, setEnv, startedByNpm } from "@/lib/env";
import {
  buildIfNeeded,
  DATA_DIR,
  log,
  serverArgs,
  persistentSecret,
  resolveDatabase,
  spawnTiedNode,
} from "./lib/runtime";

const LAUNCHER_PID = path.join(DATA_DIR, "launcher.pid");
const APP_PID = path.join(DATA_DIR, "app.pid");
const SANDBOX_PORT = path.join(DATA_DIR, "sf-sandbox-port");

/** SF_SANDBOX_PORT, else the port the sandbox had last time if it is free, else any free port. */
async function sandboxPort(): Promise<number> {
  const configured = env().SF_SANDBOX_PORT;
  if (configured) return configured;
  const previous = Number(
    fs.existsSync(SANDBOX_PORT) ? fs.readFileSync(SANDBOX_PORT, "utf8") : NaN,
  );
  if (Number.isInteger(previous) && previous > 0 && (await portIsFree(previous))) return previous;
  return freePort();
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Refuse a second launcher; stop a web server orphaned by a SIGKILLed one. */
function takeOverFromEarlierRun() {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const launcher = readPid(LAUNCHER_PID);
  if (launcher && launcher !== process.pid && isAlive(launcher)) {
    console.error(
      `Tollgate is already running (launcher pid ${launcher}). Stop it first (Ctrl-C).`,
    );
    process.exit(1);
  }
  const app = readPid(APP_PID);
  if (app && isAlive(app)) {
    log(`stopping a web server left by an earlier run (pid ${app})`);
    try {
      process.kill(app, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  fs.writeFileSync(LAUNCHER_PID, String(process.pid));
}

async function main() {
  // every variable checked before anything starts; the web server inherits the same values
  const bad = checkEnv();
  if (bad) {
    console.error(`[tollgate] ${bad}\nSee .env.example for every variable and its default.`);
    process.exit(2);
  }
  const port = env().PORT;
  takeOverFromEarlierRun();
  const nextauthSecret = env().NEXTAUTH_SECRET ?? persistentSecret("nextauth-secret");
  const secretKey = env().TOLLGATE_SECRET_KEY ?? persistentSecret("secret-key");

  // the key that signs audit checkpoints: made once in .data/ unless one is configured
  const { loadSigningKey } = await import("@/lib/audit/signing-key");
  log(`audit checkpoints are signed with key ${loadSigningKey({ create: true }).keyId}`);

  await buildIfNeeded();
  const { url, embedded } = await resolveDatabase(DATA_DIR, "tollgate");
  log(
    embedded
      ? `embedded PostgreSQL is up (data in ${embedded.dataDir.replace(process.cwd() + path.sep, "")})`
      : "using DATABASE_URL",
  );
  await migrateDeploy(url);
  log("migrations applied");

  setEnv({ DATABASE_URL: url, TOLLGATE_SECRET_KEY: secretKey }, { force: true });
  // the demo environments use the bundled sandbox on loopback (lib/net/destination.ts)
  setEnv({ TOLLGATE_ALLOW_LOOPBACK: "1" });
  const { seedDemoOrg } = await import("@/lib/seed/seed-demo-org");
  const { pointDemoEnvironmentsAt } = await import("@/lib/environments");
  const { disconnectDb } = await import("@/lib/db");
  const seeded = await seedDemoOrg();
  if (seeded.seeded) log(`demo org seeded (${seeded.requests} action requests of history)`);

  // the demo environments' Salesforce: the bundled sandbox, its org kept in .data/
  const { startPersistentSandbox } = await import("@/lib/connectors/salesforce-sandbox");
  const sandbox = await startPersistentSandbox({
    port: await sandboxPort(),
    stateFile: path.join(DATA_DIR, "sf-sandbox.json"),
    seed: "demo",
  });
  fs.writeFileSync(SANDBOX_PORT, String(sandbox.server.port));
  await pointDemoEnvironmentsAt(sandbox.server.url);
  log(`Salesforce sandbox at ${sandbox.server.url} (${sandbox.origin})`);

  // the execution worker runs in this process; `npm run worker` adds more elsewhere
  const { startWorker } = await import("@/lib/execution/worker");
  const worker = await startWorker();

  const baseUrl = env().NEXTAUTH_URL ?? `http://localhost:${port}`;
  // tied to this process: a SIGKILLed launcher (worker gone) must not leave it serving
  const app: ChildProcess = spawnTiedNode(serverArgs(port), {
    stdio: ["ignore", "inherit", "inherit"],
    env: childEnv({
      DATABASE_URL: url,
      NEXTAUTH_SECRET: nextauthSecret,
      NEXTAUTH_URL: baseUrl,
      TOLLGATE_SECRET_KEY: secretKey,
      NEXT_TELEMETRY_DISABLED: "1",
    }),
  });
  fs.writeFileSync(APP_PID, String(app.pid));

  const { DEMO_USERS } = await import("@/lib/seed/demo-fixtures");
  console.log(`\n  Tollgate is running at ${baseUrl}\n\n  Demo sign-ins:`);
  for (const u of DEMO_USERS.slice(0, 6)) {
    console.log(`    ${u.roles.join(",").padEnd(13)} ${u.email.padEnd(26)} ${u.password}`);
  }
  console.log("");

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping …");
    app.kill("SIGTERM");
    await new Promise((r) => (app.exitCode !== null ? r(null) : app.once("exit", r)));
    await worker.stop();
    await disconnectDb();
    await sandbox.stop();
    await embedded?.stop();
    fs.rmSync(APP_PID, { force: true });
    fs.rmSync(LAUNCHER_PID, { force: true });
    log("stopped cleanly");
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  whenNpmDies(() => {
    log("npm, which started this launcher, is gone; shutting down");
    void stop(0);
  });
  app.on("exit", (code) => {
    if (!stopping) {
      log(`the web server exited (${code}); shutting down`);
      void stop(code ?? 1);
    }
  });
}

main().catch((err) => {
  // what the person can do something about is one line; anything else keeps its stack
  console.error(err instanceof EmbeddedPostgresError ? `[tollgate] ${err.message}` : err);
  process.exit(1);
});

/**
 * Under `npm start` this launcher's parent is npm's `sh -c`, which outlives a `kill -9` of npm
 * itself: the service would run on with nobody holding it. Watch npm too (the shell's parent,
 * read from /proc), and stop as Ctrl-C does when it is gone. Outside npm, or off Linux: nothing.
 */
function whenNpmDies(onGone: () => void) {
  if (!startedByNpm() || process.platform !== "linux") return;
  let npmPid = 0;
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after ')'
    const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, "utf8");
    npmPid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return;
  }
  if (!npmPid || npmPid === 1) return;
  const timer = setInterval(() => {
    try {
      process.kill(npmPid, 0);
    } catch {
      clearInterval(timer);
      onGone();
    }
  }, 1_000);
  timer.unref();
}
