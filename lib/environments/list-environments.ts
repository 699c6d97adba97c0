import { db } from "@/lib/db";

export async function listEnvironments() {
  return db.environment.findMany({
    select: { id: true, slug: true, name: true, isProduction: true },
    orderBy: { createdAt: "asc" },
  });
}
