import "server-only";
import { db } from "@/lib/db";
import { notFound } from "@/lib/core/errors";

export type TGrantSummary = {
  object: string;
  operations: string[];
  fields: string[];
  condition: string | null;
  validUntil: Date | null;
  active: boolean;
};

export type TAgentRow = {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  status: string;
  phase: string;
  owner: { name: string; email: string };
  callsPerMinute: number;
  writesPerHour: number;
  activeKeys: number;
  permissionSets: string[];
  grants: TGrantSummary[];
  requestsLast30d: number;
};

/** What the agent list and the agent page both show of an agent. */
export const AGENT_SELECT = {
  id: true,
  slug: true,
  name: true,
  description: true,
  status: true,
  phase: true,
  callsPerMinute: true,
  writesPerHour: true,
  owner: { select: { name: true, email: true } },
} as const;

/** The unrevoked grants of an agent's permission sets; shared with the agent detail page. */
export const PERMISSION_SETS_SELECT = {
  select: {
    permissionSet: {
      select: {
        name: true,
        grants: {
          where: { revokedAt: null },
          select: {
            object: true,
            operations: true,
            writableFields: true,
            recordCondition: true,
            validFrom: true,
            validUntil: true,
          },
          orderBy: { createdAt: "asc" as const },
        },
      },
    },
  },
};

type TGrantRow = {
  object: string;
  operations: string[];
  writableFields: string[];
  recordCondition: string | null;
  validFrom: Date;
  validUntil: Date | null;
};

export function summarizeGrants(
  sets: { permissionSet: { grants: TGrantRow[] } }[],
  now: Date,
): TGrantSummary[] {
  return sets.flatMap((p) =>
    p.permissionSet.grants.map((g) => ({
      object: g.object,
      operations: g.operations,
      fields: g.writableFields,
      condition: g.recordCondition,
      validUntil: g.validUntil,
      active: g.validFrom <= now && (!g.validUntil || g.validUntil > now),
    })),
  );
}

/** Agents of one environment with owner, phase, status and a summary of their scopes. */
export async function listAgents(envSlug: string, now = new Date()): Promise<TAgentRow[]> {
  const env = await db.environment.findUnique({ where: { slug: envSlug }, select: { id: true } });
  if (!env) throw notFound(`Environment "${envSlug}"`);
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const [agents, counts] = await Promise.all([
    db.agent.findMany({
      where: { environmentId: env.id },
      orderBy: { slug: "asc" },
      select: {
        ...AGENT_SELECT,
        apiKeys: {
          where: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
          select: { id: true },
        },
        permissionSets: PERMISSION_SETS_SELECT,
      },
    }),
    db.actionRequest.groupBy({
      by: ["agentId"],
      where: { environmentId: env.id, createdAt: { gte: since } },
      _count: { _all: true },
    }),
  ]);
  const countBy = new Map(counts.map((c) => [c.agentId, c._count._all]));
  return agents.map((a) => ({
    id: a.id,
    slug: a.slug,
    name: a.name,
    description: a.description,
    status: a.status,
    phase: a.phase,
    owner: a.owner,
    callsPerMinute: a.callsPerMinute,
    writesPerHour: a.writesPerHour,
    activeKeys: a.apiKeys.length,
    permissionSets: a.permissionSets.map((p) => p.permissionSet.name),
    grants: summarizeGrants(a.permissionSets, now),
    requestsLast30d: countBy.get(a.id) ?? 0,
  }));
}
