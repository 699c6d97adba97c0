import "server-only";
import {
  openIncidentsFromAnomalies,
  openIncidentsFromDeadLetterBursts,
  openIncidentsFromDrift,
} from "@/lib/incidents/open-incidents";
import { demoteOnBreach } from "./phase-change";
import { rollbackFailedCanaries } from "./canary";
import { env } from "@/lib/env";

/**
 * The `phaseGates` leader's step (lib/jobs LEADERS): incidents opened from new reconciliation
 * drift, dead-letter bursts and anomalies first (a P0 among them counts at once once triaged), then the
 * automatic demotion of agents in execute phase that breach their criteria, then the rollback
 * of failed workflow canaries (unless TOLLGATE_CANARY_MANUAL_ONLY). Each part is idempotent on its own (ON CONFLICT, guarded
 * updates), so two overlapping steps change nothing twice. Returns how many things it did.
 */
export async function runPhaseGates(now = new Date()): Promise<number> {
  const drift = await openIncidentsFromDrift(now);
  const bursts = await openIncidentsFromDeadLetterBursts(now);
  const anomalies = await openIncidentsFromAnomalies(now);
  const demoted = await demoteOnBreach(now);
  // evaluated (and recorded for the workflow page) either way; rolled back only when allowed
  const rolledBack = await rollbackFailedCanaries(
    now,
    undefined,
    env().TOLLGATE_CANARY_MANUAL_ONLY,
  );
  return drift + bursts + anomalies + demoted.length + rolledBack;
}
