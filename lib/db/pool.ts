import "server-only";
import pg from "pg";
import { env, requireEnv } from "@/lib/env";

/**
 * The PostgreSQL role every runtime connection acts as (`SET ROLE` on connect): it may read and
 * write the app's tables but only read audit events and lane heads — appends and seals go
 * through `tollgate_append_audit` and `tollgate_seal_audit`, which run as the tables' owner.
 * Migrations keep the owner
 * (lib/db/admin.ts, which also creates the role and grants it). TOLLGATE_DB_ROLE renames it.
 */
export function runtimeRole(): string {
  return env().TOLLGATE_DB_ROLE;
}

type TQueryable = { query: (sql: string) => Promise<unknown> };

/**
 * pg.Pool's `onConnect` hook for runtime pools (Prisma's and pg-boss's): the new connection
 * becomes the runtime role before the pool hands it out. A failure ends the connection and
 * fails the caller's query — never a query run as the login user.
 */
export async function assumeRuntimeRole(client: TQueryable): Promise<void> {
  const role = runtimeRole();
  try {
    await client.query(`SET ROLE ${role}`);
  } catch (e) {
    throw new Error(
      `could not SET ROLE ${role} (${(e as Error).message}). Migrations create the role and ` +
        `grant it to the migrating user (npm start, or migrateDeploy in lib/db/admin.ts); a ` +
        `DATABASE_URL user that is not a member of ${role} cannot run Tollgate — see README ` +
        `"Database roles".`,
      { cause: e },
    );
  }
}

/** Options for a runtime pg.Pool: every connection runs as `runtimeRole()`. */
export function runtimePoolConfig(config: pg.PoolConfig): pg.PoolConfig {
  return { ...config, onConnect: assumeRuntimeRole };
}

const PG_TIMESTAMP_OID = 1114;

/**
 * `timestamp without time zone` holds UTC here (Prisma's convention, and `now() at time zone
 * 'UTC'` in raw SQL); pg would read it as local time. Other types parse as pg's defaults.
 */
const utcTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === PG_TIMESTAMP_OID && format !== "binary") {
      return (v: string) => new Date(v.replace(" ", "T") + "Z");
    }
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * One runtime connection of its own, outside the Prisma pool, for work that needs a session:
 * a session-level advisory lock (a leader loop, lib/jobs/leader.ts) or a cursor over a whole
 * audit lane (verification). It acts as the runtime role; timestamps read as UTC. The caller
 * ends it. An `error` event (the server went away) is left to the caller's next query to
 * report, not thrown at the process.
 */
export async function connectRuntimeClient(applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: requireEnv("DATABASE_URL"),
    application_name: applicationName,
    keepAlive: true,
    types: utcTypes,
  });
  client.on("error", () => {});
  await client.connect();
  try {
    await assumeRuntimeRole(client);
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
  return client;
}
