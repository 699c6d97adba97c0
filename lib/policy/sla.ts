/**
 * The SLA of a request that waits for a person: its matrix rule's, or — when the rule sets
 * none — the default of the approver group it waits for (set on /settings/groups). Work that
 * does not wait has none.
 */
export function effectiveSlaMinutes(
  decision: { slaMinutes: number | null; approverRole: string | null },
  waits: boolean,
  groupSla: ReadonlyMap<string, number | null>,
): number | null {
  if (!waits) return null;
  if (decision.slaMinutes) return decision.slaMinutes;
  return (decision.approverRole && groupSla.get(decision.approverRole)) || null;
}
