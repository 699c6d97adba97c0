import "server-only";
import type { Tx } from "@/lib/db";

/** Engaged kill switches that cover this request (never cached: this is the last gate). */
export async function engagedSwitchFor(
  tx: Tx,
  ar: { environmentId: string; agentId: string; workflowVersion: { workflowId: string } | null },
) {
  const wf = ar.workflowVersion?.workflowId ?? null;
  const [hit] = await tx.$queryRaw<{ scope: string; reason: string | null }[]>`
    select scope::text, reason from "KillSwitch"
    where engaged and (scope = 'global'
      or "environmentId" = ${ar.environmentId}
      or "agentId" = ${ar.agentId}
      or (${wf}::text is not null and "workflowId" = ${wf}))
    order by scope limit 1`;
  return hit ?? null;
}
