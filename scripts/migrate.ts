/**
 * `npm run db:migrate`: apply prisma/migrations to DATABASE_URL's database (created if missing),
 * then pg-boss's queues and the runtime role's grants — what `npm start` does before it serves.
 */
import { checkEnv, requireEnv } from "@/lib/env";
import { ensureDatabase, migrateDeploy } from "@/lib/db/admin";

async function main() {
  const bad = checkEnv(["DATABASE_URL"]);
  if (bad) {
    console.error(bad);
    process.exit(2);
  }
  const url = requireEnv("DATABASE_URL");
  await ensureDatabase(url);
  await migrateDeploy(url, { quiet: false });
  console.log("migrations applied");
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
