import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";

/** Database-level chores for the launcher and the test harness (never called by the app). */

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = "/" + database;
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, "")) || "postgres";
}

async function onMaintenanceDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => '"' + name.replace(/"/g, '""') + '"';

/** Create the database named in `url` if it does not exist yet. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  return onMaintenanceDb(url, async (c) => {
    const found = await c.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount) return false;
    await c.query(`create database ${quoteIdent(name)}`);
    return true;
  });
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await onMaintenanceDb(url, (c) =>
    c.query(`drop database if exists ${quoteIdent(name)} with (force)`),
  );
}

export function withDatabaseName(url: string, name: string): string {
  return withDatabase(url, name);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, quiet: boolean) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
    let out = "";
    child.stdout?.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited ${code}\n${out}`)),
    );
  });
}

const prismaCli = () => path.join(process.cwd(), "node_modules", "prisma", "build", "index.js");

/** Names of migration folders not yet recorded as finished in `url`'s database. */
export async function pendingMigrations(url: string): Promise<string[]> {
  const dir = path.join(process.cwd(), "prisma", "migrations");
  const folders = fs.readdirSync(dir).filter((d) => fs.statSync(path.join(dir, d)).isDirectory());
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query(`select to_regclass('public._prisma_migrations') as t`);
    if (!table.rows[0].t) return folders;
    const { rows } = await client.query(
      `select migration_name from _prisma_migrations where finished_at is not null and rolled_back_at is null`,
    );
    const applied = new Set(rows.map((r) => r.migration_name as string));
    return folders.filter((f) => !applied.has(f));
  } finally {
    await client.end();
  }
}

/**
 * `prisma migrate deploy`: applies prisma/migrations in order, records them, idempotent.
 * The CLI takes ~10 s to start its WebAssembly engine, so skip it when nothing is pending.
 */
export async function migrateDeploy(url: string, opts: { quiet?: boolean; force?: boolean } = {}) {
  if (!opts.force && (await pendingMigrations(url)).length === 0) return;
  await run(
    process.execPath,
    [prismaCli(), "migrate", "deploy"],
    { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    opts.quiet ?? true,
  );
}

/** `prisma generate` into lib/generated/prisma (npm ci runs no Prisma install script). */
export async function generateClient() {
  await run(
    process.execPath,
    [prismaCli(), "generate"],
    {
      ...process.env,
      // the CLI wants a URL even though generate connects to nothing
      DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://localhost:5432/unused",
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
    },
    true,
  );
}
