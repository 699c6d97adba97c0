/** `npm run db:generate`: the Prisma client into lib/generated/prisma (npm ci runs no Prisma script). */
import { generateClient } from "@/lib/db/admin";

generateClient().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
