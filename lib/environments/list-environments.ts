import "server-only";
import { db } from "@/lib/db";

/** The order environments are shown in everywhere: dev, staging, prod, then any others by slug. */
const ORDER = ["dev", "staging", "prod"];
const rank = (slug: string) => (ORDER.includes(slug) ? ORDER.indexOf(slug) : ORDER.length);

export function sortEnvironments<T extends { slug: string }>(envs: T[]): T[] {
  return [...envs].sort((a, b) => rank(a.slug) - rank(b.slug) || a.slug.localeCompare(b.slug));
}

export async function listEnvironments() {
  return sortEnvironments(
    await db.environment.findMany({
      select: { id: true, slug: true, name: true, isProduction: true },
    }),
  );
}
