import "server-only";
import type { Tx } from "@/lib/db";
import { switchTarget } from "@/lib/guardrails/write-gate";

/** Engaged kill switches that cover this request (never cached: this is the last gate). */
export async function engagedSwitchFor(
  tx: Tx,
  ar: {
    environmentId: string;
    agentId: string;
    workflowVersion: { workflowId: string } | null;
    requestedById?: string | null;
  },
) {
  // a person's revert is not the agent's work (switchTarget, lib/guardrails/write-gate.ts)
  const { agentId, workflowId: wf } = switchTarget(ar);
  const [hit] = await tx.$queryRaw<{ scope: string; reason: string | null }[]>`
    select scope::text, reason from "KillSwitch"
    where engaged and (scope = 'global'
      or "environmentId" = ${ar.environmentId}
      or "agentId" = ${agentId}
      or (${wf}::text is not null and "workflowId" = ${wf}))
    order by scope limit 1`;
  return hit ?? null;
}
