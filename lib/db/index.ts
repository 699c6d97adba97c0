import "server-only";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "@/lib/generated/prisma/client";
import { runtimePoolConfig } from "./pool";
import { MAX_PREPARED_TEXTS, statementNames } from "./prepared";
import { env, requireEnv } from "@/lib/env";

export { Prisma } from "@/lib/generated/prisma/client";
export { connectRuntimeClient } from "./pool";
export * from "@/lib/generated/prisma/enums";

function makeClient() {
  const connectionString = requireEnv("DATABASE_URL");
  // every connection acts as the runtime role (SET ROLE on connect): audit rows are
  // read-only to it, whatever the login user may do (lib/db/pool.ts)
  const pool = new pg.Pool(runtimePoolConfig({ connectionString, max: env().DB_POOL_SIZE }));
  // a connection that dies while idle is dropped by the pool; the next query reports it
  pool.on("error", () => {});
  return { client: new PrismaClient({ adapter: new PrismaPg(pool) }), pool };
}

type Db = ReturnType<typeof makeClient>["client"];
const holder = globalThis as unknown as { __tollgateDb?: ReturnType<typeof makeClient> };
const current = () => (holder.__tollgateDb ??= makeClient());

/** The one Prisma client. Created on first use so importing this module never connects. */
export const db: Db = new Proxy({} as Db, {
  get(_t, prop) {
    const { client } = current();
    const value = Reflect.get(client, prop);
    return typeof value === "function" ? value.bind(client) : value;
  },
});

/** The client handed to a `$transaction` callback. */
export type Tx = Prisma.TransactionClient;

const TIMESTAMP_OID = 1114;
const INT8_OID = 20;
const TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    // `timestamp without time zone` holds UTC here, as Prisma reads it; pg would say local time
    if (oid === TIMESTAMP_OID) return (v: string) => new Date(v.replace(" ", "T") + "Z");
    if (oid === INT8_OID) return (v: string) => BigInt(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * One SQL statement straight on the Prisma client's pool (same connections, same runtime role),
 * for the agent API's hot path: `db.$queryRaw` hands every statement to Prisma's query compiler
 * (WebAssembly), which cost more CPU per request than the rest of ingest together
 * (bench:ingest --profile). Rows as pg gives them, with timestamps read as UTC and bigints as
 * BigInt like `$queryRaw`; no implicit transaction beyond the statement's own.
 */
export async function rawQuery<T>(query: Prisma.Sql): Promise<T[]> {
  const res = await current().pool.query({ text: query.text, values: query.values, types: TYPES });
  return res.rows as T[];
}

const nameFor = statementNames(MAX_PREPARED_TEXTS, () =>
  console.warn(
    `[tollgate] preparedQuery: more than ${MAX_PREPARED_TEXTS} distinct SQL texts, later ones run ` +
      `unnamed — a caller builds its text with a variable shape (use rawQuery for such SQL)`,
  ),
);

/**
 * `rawQuery` as a NAMED PREPARED STATEMENT: each pool connection parses and plans the text once,
 * then only binds and executes it (the hot path's long statements were parsed and planned again
 * on every call). Only for texts that are the same on every call — parameters for
 * everything that varies, each with an explicit cast where the context does not fix its type, so
 * one plan fits every call: the name is the text's hash (`statementName`), a text of another
 * shape would be one more statement on every connection (past MAX_PREPARED_TEXTS texts run
 * unnamed). Statements belong to their connection, which SET ROLE made the runtime role before
 * its first query (lib/db/pool.ts). A statement that fails ends its connection (pg.Pool's
 * `query` releases it with the error): pg can be left believing a statement exists that the
 * server closed (a value whose serialisation throws at bind time), and no connection keeps that.
 */
export async function preparedQuery<T>(query: Prisma.Sql): Promise<T[]> {
  const { text, values } = query;
  const res = await current().pool.query({ name: nameFor(text), text, values, types: TYPES });
  return res.rows as T[];
}

export async function disconnectDb() {
  const open = holder.__tollgateDb;
  holder.__tollgateDb = undefined;
  if (!open) return;
  await open.client.$disconnect();
  await open.pool.end().catch(() => {});
}
