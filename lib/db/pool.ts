import pg from "pg";
// relative: prisma.config.ts loads this file outside the app's path aliases
import { env } from "../env";

const PG_NAME_OID = 19;
const PG_TEXT_OID = 25;

type QueryResultLike = { fields?: { dataTypeID: number }[] };

function relabelNameColumns<T>(result: T): T {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const f of (r as QueryResultLike)?.fields ?? []) {
      if (f.dataTypeID === PG_NAME_OID) f.dataTypeID = PG_TEXT_OID;
    }
  }
  return result;
}

/**
 * A pg.Pool whose results report `name` columns as `text`. Prisma's migrate through
 * adapter-pg cannot deserialize `name` (prisma/orm#27403); catalog queries return it.
 */
export class NameTypeSafePool extends pg.Pool {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const out = (super.query as any)(...args);
    if (out && typeof out.then === "function") return out.then(relabelNameColumns);
    return out;
  }
}

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
