import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "@/lib/generated/prisma/client";
import { runtimePoolConfig } from "./pool";
import { env, requireEnv } from "@/lib/env";

export { Prisma } from "@/lib/generated/prisma/client";
export { connectRuntimeClient } from "./pool";
export * from "@/lib/generated/prisma/enums";

function makeClient() {
  const connectionString = requireEnv("DATABASE_URL");
  // every connection acts as the runtime role (SET ROLE on connect): audit rows are
  // read-only to it, whatever the login user may do (lib/db/pool.ts)
  const adapter = new PrismaPg(runtimePoolConfig({ connectionString, max: env().DB_POOL_SIZE }));
  return new PrismaClient({ adapter });
}

type Db = ReturnType<typeof makeClient>;
const holder = globalThis as unknown as { __tollgateDb?: Db };

/** The one Prisma client. Created on first use so importing this module never connects. */
export const db: Db = new Proxy({} as Db, {
  get(_t, prop) {
    holder.__tollgateDb ??= makeClient();
    const value = Reflect.get(holder.__tollgateDb, prop);
    return typeof value === "function" ? value.bind(holder.__tollgateDb) : value;
  },
});

/** The client handed to a `$transaction` callback. */
export type Tx = Prisma.TransactionClient;

export async function disconnectDb() {
  await holder.__tollgateDb?.$disconnect();
  holder.__tollgateDb = undefined;
}
