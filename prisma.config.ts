import path from "node:path";
import type { PrismaConfig } from "prisma";
import { PrismaPg } from "@prisma/adapter-pg";
import { NameTypeSafePool } from "./lib/db/name-type-safe-pool";
import { env } from "./lib/env";

// Prisma 6 with the bundled WebAssembly schema engine: migrations run offline through
// adapter-pg (TOOLCHAIN.md "Prisma offline"). DATABASE_URL must be set for every CLI call.
export default {
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  engine: "js",
  experimental: { adapter: true },
  adapter: async () => new PrismaPg(new NameTypeSafePool({ connectionString: env().DATABASE_URL })),
} satisfies PrismaConfig;
