import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { startEmbeddedPostgres, type EmbeddedDb } from "@/lib/db/embedded";
import { ensureDatabase, generateClient } from "@/lib/db/admin";
import { childEnv, env } from "@/lib/env";

const ROOT = process.cwd();
export const DATA_DIR = path.join(ROOT, ".data");

export const log = (m: string) => console.log(`[tollgate] ${m}`);

/** A secret kept under .data/ so sessions survive restarts without the user setting one. */
export function persistentSecret(name: string): string {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const file = path.join(DATA_DIR, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const value = crypto.randomBytes(32).toString("base64url");
  fs.writeFileSync(file, value + "\n", { mode: 0o600 });
  return value;
}

/** DATABASE_URL's server if set, else an embedded PostgreSQL under `baseDir`. */
export async function resolveDatabase(
  baseDir: string,
  database: string,
): Promise<{ url: string; embedded: EmbeddedDb | null }> {
  const configured = env().DATABASE_URL;
  if (configured) {
    await ensureDatabase(configured);
    return { url: configured, embedded: null };
  }
  // a SIGKILLed launcher takes its PostgreSQL down with it (the next start would stop it anyway)
  const embedded = await startEmbeddedPostgres({ baseDir, log, stopWithThisProcess: true });
  const url = embedded.url(database);
  await ensureDatabase(url);
  return { url, embedded };
}

const BUILD_INPUTS = [
  "app",
  "components",
  "instrumentation.ts",
  "lib",
  "public",
  "next.config.ts",
  "package-lock.json",
  "postcss.config.mjs",
  "proxy.ts",
  "tsconfig.json",
];

/** A fingerprint of everything `next build` reads, to build only when something changed. */
function sourceFingerprint(): string {
  const h = crypto.createHash("sha256");
  const walk = (p: string) => {
    if (!fs.existsSync(p)) return;
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) {
        if (e === "node_modules" || e.endsWith(".test.ts")) continue;
        walk(path.join(p, e));
      }
    } else {
      h.update(path.relative(ROOT, p));
      h.update(fs.readFileSync(p));
    }
  };
  for (const i of BUILD_INPUTS) walk(path.join(ROOT, i));
  return h.digest("hex");
}

/**
 * A Node child tied to this process: it stops within a second when this process dies, even by
 * SIGKILL (scripts/lib/exit-with-parent.cjs, preloaded). `npm start` starts the web server and
 * `next build` this way, so a killed launcher leaves no server answering with no worker behind.
 */
export function spawnTiedNode(args: string[], opts: SpawnOptions = {}): ChildProcess {
  const preload = path.join(ROOT, "scripts", "lib", "exit-with-parent.cjs");
  return spawn(process.execPath, ["--require", preload, ...args], {
    ...opts,
    env: { ...(opts.env ?? childEnv()), TOLLGATE_LAUNCHER_PID: String(process.pid) },
  });
}

export function run(cmd: string, args: string[], vars: NodeJS.ProcessEnv = childEnv()) {
  return new Promise<void>((resolve, reject) => {
    const child =
      cmd === process.execPath
        ? spawnTiedNode(args, { stdio: "inherit", env: vars })
        : spawn(cmd, args, { stdio: "inherit", env: vars });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}`)),
    );
  });
}

const nextBin = () => path.join(ROOT, "node_modules", "next", "dist", "bin", "next");

/** Generate the Prisma client, then `next build` unless the last build saw these sources. */
export async function buildIfNeeded() {
  await generateClient();
  const stamp = path.join(ROOT, ".next", "tollgate-build-fingerprint");
  const fp = sourceFingerprint();
  const built =
    fs.existsSync(path.join(ROOT, ".next", "BUILD_ID")) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, "utf8") === fp;
  if (built) return;
  log("building the app (next build) …");
  await run(process.execPath, [nextBin(), "build"], childEnv({ NEXT_TELEMETRY_DISABLED: "1" }));
  fs.writeFileSync(stamp, fp);
}

/**
 * The production web server's node arguments (scripts/serve.ts: Next, and the agent API's own
 * door), as `npm start`, e2e and the benches run it.
 */
export function serverArgs(port: number, host = env().HOST) {
  return [
    "--require",
    path.join(ROOT, "scripts", "lib", "outside-next.cjs"),
    "--import",
    "tsx",
    path.join(ROOT, "scripts", "serve.ts"),
    "--port",
    String(port),
    "--host",
    host,
  ];
}
