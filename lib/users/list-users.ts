import "server-only";
import { db } from "@/lib/db";

/** Users with their roles and approver groups; never the password hash. */
export async function listUsers() {
  const users = await db.user.findMany({
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      email: true,
      name: true,
      status: true,
      lastLoginAt: true,
      createdAt: true,
      roles: { select: { role: true, environment: { select: { slug: true } } } },
      groups: { select: { group: { select: { key: true, name: true } } } },
    },
  });
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    status: u.status,
    lastLoginAt: u.lastLoginAt,
    createdAt: u.createdAt,
    roles: u.roles.map((r) => (r.environment ? `${r.role}@${r.environment.slug}` : r.role)),
    groups: u.groups.map((g) => g.group.name),
  }));
}
