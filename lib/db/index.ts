import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "@/lib/generated/prisma/client";
import { runtimePoolConfig } from "./pool";

export { Prisma } from "@/lib/generated/prisma/client";
export * from "@/lib/generated/prisma/enums";

function makeClient() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set (start Tollgate with npm start)");
  // every connection acts as the runtime role (SET ROLE on connect): audit rows are
  // read-only to it, whatever the login user may do (lib/db/pool.ts)
  const adapter = new PrismaPg(
    runtimePoolConfig({ connectionString, max: Number(process.env.DB_POOL_SIZE ?? 10) }),
  );
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
