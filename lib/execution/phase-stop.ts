import "server-only";
import { Prisma, type Tx } from "@/lib/db";
import { transitionRequest, type TStatus } from "@/lib/action-requests";

/**
 * The agent's phase, asked again where a write is about to happen. The phase is applied when a
 * request is received (lib/policy: observe → recorded only, propose → a person approves), but
 * work received earlier can still be waiting when the agent is demoted: a write Tollgate
 * approved on its own in the execute phase must not run once the agent is back in propose, and
 * nothing of an agent in observe is written. A person's revert is not the agent's work (as for
 * kill switches) and a request a person approved stays approved.
 *
 * Returns, for each of `ids` the phase stops, why — in words the halted-work page shows.
 */
export async function phaseStops(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await tx.$queryRaw<{ id: string; name: string; phase: string }[]>`
    select r.id, a.name, a.phase::text as phase
    from "ActionRequest" r join "Agent" a on a.id = r."agentId"
    where r.id in (${Prisma.join(ids)}) and r."requestedById" is null
      and (a.phase = 'observe'
        or (a.phase = 'propose' and r."decisionMode" = 'auto' and not exists (
          select 1 from "Approval" p
          where p."actionRequestId" = r.id and p.decision = 'approved')))`;
  return new Map(rows.map((r) => [r.id, phaseStopReason(r.name, r.phase)]));
}

export const phaseStopReason = (agent: string, phase: string) =>
  phase === "observe"
    ? `${agent} is in the observe phase: its requests are recorded, never written`
    : `${agent} is in the propose phase: a write Tollgate approved on its own needs a person's approval now`;

type TActor = { type: "user"; userId: string } | { type: "system" };

/**
 * In the demotion's transaction: the agent's work the new phase would not have let through is
 * stopped — waiting writes it stops are halted (a person may discard them, or resume them once
 * the agent is promoted again), and on a demotion to observe, what waits for a decision or a
 * release expires (nothing of an observe-phase agent is written; the agent is told through its
 * callback). A write already under way finishes. Rows another transaction holds (a claim) are
 * skipped here and stopped by their claim, which asks the phase again.
 */
export async function stopWorkAfterDemotion(
  tx: Tx,
  agentId: string,
  to: string,
  actor: TActor,
  reason: string,
) {
  const rows = await tx.$queryRaw<{ id: string; status: TStatus }[]>`
    select id, status::text as status from "ActionRequest"
    where "agentId" = ${agentId} and "requestedById" is null
      and status in ('approved', 'auto_approved', 'retrying', 'pending_approval', 'draft')
    for update skip locked`;
  const waiting = rows.filter((r) => r.status !== "pending_approval" && r.status !== "draft");
  const stops = await phaseStops(
    tx,
    waiting.map((r) => r.id),
  );
  let halted = 0;
  let expired = 0;
  const now = new Date();
  for (const r of rows) {
    const undecided = r.status === "pending_approval" || r.status === "draft";
    if (undecided ? to !== "observe" : !stops.has(r.id)) continue;
    await transitionRequest(tx, {
      id: r.id,
      from: r.status,
      to: undecided ? "expired" : "halted",
      actor: undecided ? { type: "system" } : actor,
      reason: `${reason} — ${undecided ? phaseStopReason("The agent", to) : stops.get(r.id)}`,
      data: undecided ? {} : { haltedAt: now },
    });
    if (undecided) expired++;
    else halted++;
  }
  return { halted, expired };
}
