import "server-only";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { runtimeRole } from "./pool";
import { childEnv, env } from "@/lib/env";

/** Database-level chores for the launcher and the test harness (never called by the app). */

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = "/" + database;
  return u.toString();
}

function databaseName(url: string): string {
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
async function pendingMigrations(url: string): Promise<string[]> {
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
  if (opts.force || (await pendingMigrations(url)).length > 0) {
    await run(
      process.execPath,
      [prismaCli(), "migrate", "deploy"],
      childEnv({ DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" }),
      opts.quiet ?? true,
    );
  }
  // pg-boss's schema and queue (DDL: the owner's job), then the runtime role's grants, every
  // time: a table a later migration adds is granted here without a grant in its migration
  const { installQueues } = await import("@/lib/jobs/boss");
  await installQueues(url);
  await grantRuntimeRole(url);
}

const pgCode = (e: unknown) => (e as { code?: string }).code;

/**
 * Tables the runtime role may not write as it writes the others: the audit lanes and their
 * heads are read-only to it (appends and seals go through tollgate_append_audit and
 * tollgate_seal_audit, SECURITY DEFINER),
 * verification runs and signed checkpoints are insert-only, Prisma's migration record is the owner's alone.
 */
const RUNTIME_TABLE_LIMITS: Record<string, string | null> = {
  AuditEvent: "SELECT",
  AuditLaneHead: "SELECT",
  AuditVerificationRun: "SELECT, INSERT",
  AuditCheckpoint: "SELECT, INSERT",
  _prisma_migrations: null,
};

/** Create the runtime role if missing (NOLOGIN) and make the migrating user a member of it. */
async function ensureRuntimeRole(c: pg.Client, role: string) {
  const cannot = (what: string, e: unknown) =>
    new Error(
      `DATABASE_URL's user cannot ${what} (${(e as Error).message}). Tollgate's runtime ` +
        `connections act as the role "${role}" (TOLLGATE_DB_ROLE). Have a superuser run once: ` +
        `CREATE ROLE ${role} NOLOGIN; GRANT ${role} TO <DATABASE_URL user>; — or give the ` +
        `user CREATEROLE. See README "Database roles".`,
    );
  for (let attempt = 1; ; attempt++) {
    try {
      const found = await c.query(`select rolsuper from pg_roles where rolname = $1`, [role]);
      if (!found.rowCount) {
        // many databases on one server may migrate at once: another may create it first
        await c.query(`create role ${role} nologin`).catch((e) => {
          if (pgCode(e) === "42501") throw cannot(`create the role ${role}`, e);
          if (pgCode(e) !== "42710" && pgCode(e) !== "23505") throw e;
        });
        continue;
      }
      if (found.rows[0].rolsuper) {
        throw new Error(`TOLLGATE_DB_ROLE "${role}" is a superuser: give it a role that is not`);
      }
      const { rows } = await c.query(
        `select current_user = $1 as self, pg_has_role(current_user, $1, 'MEMBER') as member`,
        [role],
      );
      if (rows[0].self) {
        throw new Error(
          `TOLLGATE_DB_ROLE "${role}" is DATABASE_URL's own user: migrations need the tables' owner, the runtime a role without ownership`,
        );
      }
      if (!rows[0].member) {
        await c.query(`grant ${role} to current_user`).catch((e) => {
          if (pgCode(e) === "42501") throw cannot(`grant itself the role ${role}`, e);
          throw e;
        });
      }
      return;
    } catch (e) {
      // a concurrent GRANT of the same membership: "tuple concurrently updated"
      if (attempt >= 5 || (e as Error).message.startsWith("DATABASE_URL") || !pgCode(e)) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/**
 * Grant the runtime role (TOLLGATE_DB_ROLE, default tollgate_runtime) what the app needs in
 * `url`'s database: read and write on every table of the app's schema and pg-boss's, except
 * RUNTIME_TABLE_LIMITS; sequences; functions. Idempotent; runs after every migrate deploy.
 */
export async function grantRuntimeRole(url: string, role = runtimeRole()) {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`not a plain role name: "${role}"`);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await ensureRuntimeRole(c, role);
    await c.query("begin");
    // concurrent GRANTs on one object fail ("tuple concurrently updated"): one at a time
    await c.query(`select pg_advisory_xact_lock(hashtext('tollgate:grant-runtime-role'))`);
    const schema = quoteIdent((await c.query(`select current_schema() as s`)).rows[0].s);
    const owner = await c.query(
      `select pg_has_role($1, tableowner, 'MEMBER') as owns from pg_tables
       where schemaname = current_schema() and tablename = 'AuditEvent'`,
      [role],
    );
    if (owner.rows[0]?.owns) {
      throw new Error(
        `TOLLGATE_DB_ROLE "${role}" owns (or inherits) the audit tables: the runtime role must not`,
      );
    }
    const schemas = [schema];
    const boss = await c.query(`select 1 from pg_namespace where nspname = 'pgboss'`);
    if (boss.rowCount) schemas.push("pgboss");
    for (const s of schemas) {
      await c.query(`grant usage on schema ${s} to ${role}`);
      await c.query(`grant select, insert, update, delete on all tables in schema ${s} to ${role}`);
      await c.query(`grant usage, select on all sequences in schema ${s} to ${role}`);
      await c.query(`grant execute on all functions in schema ${s} to ${role}`);
    }
    for (const [table, allowed] of Object.entries(RUNTIME_TABLE_LIMITS)) {
      const t = `${schema}.${quoteIdent(table)}`;
      const exists = await c.query(`select to_regclass($1) as t`, [t]);
      if (!exists.rows[0].t) continue;
      await c.query(`revoke all on table ${t} from ${role}`);
      if (allowed) await c.query(`grant ${allowed} on table ${t} to ${role}`);
    }
    await c.query("commit");
  } catch (e) {
    await c.query("rollback").catch(() => {});
    throw e;
  } finally {
    await c.end();
  }
}

/** `prisma generate` into lib/generated/prisma (npm ci runs no Prisma install script). */
export async function generateClient() {
  await run(
    process.execPath,
    [prismaCli(), "generate"],
    childEnv({
      // the CLI wants a URL even though generate connects to nothing
      DATABASE_URL: env().DATABASE_URL ?? "postgresql://localhost:5432/unused",
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
    }),
    true,
  );
}
