import "server-only";
import { db } from "@/lib/db";
import { notFound } from "@/lib/core/errors";
import { AGENT_SELECT, PERMISSION_SETS_SELECT, summarizeGrants } from "./list-agents";
import { listAgentKeys } from "./agent-keys";

/** One agent for its console page: identity, owner, scopes, limits, keys and engaged switches. */
export async function getAgent(id: string, now = new Date()) {
  const a = await db.agent.findUnique({
    where: { id },
    select: {
      ...AGENT_SELECT,
      createdAt: true,
      updatedAt: true,
      ownerId: true,
      callbackUrl: true,
      environment: { select: { slug: true, name: true, isProduction: true } },
      permissionSets: PERMISSION_SETS_SELECT,
      killSwitches: {
        where: { engaged: true },
        select: { reason: true, engagedAt: true },
      },
    },
  });
  if (!a) throw notFound("Agent");
  const { permissionSets, killSwitches, ...agent } = a;
  return {
    ...agent,
    permissionSets: permissionSets.map((p) => p.permissionSet.name),
    grants: summarizeGrants(permissionSets, now),
    // only the agent's own switch; environment / global switches are on the kill switches page
    killSwitch: killSwitches[0] ?? null,
    keys: await listAgentKeys(id, now),
  };
}
export type TAgentDetail = Awaited<ReturnType<typeof getAgent>>;
