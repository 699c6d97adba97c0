import "server-only";
import pg from "pg";
import { env } from "@/lib/env";

/**
 * The PostgreSQL role every runtime connection acts as (`SET ROLE` on connect): it may read and
 * write the app's tables but only read audit events and lane heads — appends go through
 * `tollgate_append_audit`, which runs as the tables' owner. Migrations keep the owner
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
