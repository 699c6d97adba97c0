import "server-only";
import crypto from "node:crypto";
import { db, type Tx } from "@/lib/db";
import { hashPassword } from "@/lib/auth/password";
import type { TRole } from "@/lib/auth/permissions";

type Client = Tx | typeof db;

/**
 * Building blocks shared by the demo seed and the tests (Documenso's seedUser pattern):
 * each makes one realistic row with unique defaults and returns it.
 */
export async function seedUser(
  c: Client,
  opts: {
    email?: string;
    name?: string;
    password?: string;
    roles?: TRole[];
    groups?: string[];
  } = {},
) {
  const suffix = crypto.randomBytes(4).toString("hex");
  const email = (opts.email ?? `user-${suffix}@tollgate.test`).toLowerCase();
  const password = opts.password ?? `pw-${suffix}`;
  const user = await c.user.create({
    data: {
      email,
      name: opts.name ?? `Test User ${suffix}`,
      passwordHash: await hashPassword(password),
      roles: { create: (opts.roles ?? ["viewer"]).map((role) => ({ role })) },
    },
  });
  for (const key of opts.groups ?? []) {
    const group = await c.approverGroup.upsert({
      where: { key },
      create: { key, name: key },
      update: {},
    });
    await c.approverGroupMember.create({ data: { groupId: group.id, userId: user.id } });
  }
  return { ...user, password };
}

export async function seedAgent(
  c: Client,
  opts: {
    environmentId: string;
    ownerId: string;
    slug?: string;
    phase?: "observe" | "propose" | "execute";
    status?: "active" | "suspended" | "retired";
  },
) {
  const slug = opts.slug ?? `agent-${crypto.randomBytes(3).toString("hex")}`;
  return c.agent.create({
    data: {
      slug,
      name: slug,
      environmentId: opts.environmentId,
      ownerId: opts.ownerId,
      phase: opts.phase ?? "execute",
      status: opts.status ?? "active",
    },
  });
}
