import "server-only";
import { Prisma, type Tx } from "@/lib/db";
import { transitionRequest, type TStatus } from "@/lib/action-requests";

/**
 * The agent's phase and status, asked again where a write is about to happen. Both are applied
 * when a request is received (lib/policy: observe → recorded only, propose → a person approves;
 * a suspended or retired agent is refused), but work received earlier can still be waiting when
 * the agent is demoted, suspended or retired: a write Tollgate approved on its own in the
 * execute phase must not run once the agent is back in propose or suspended, and nothing of an
 * agent in observe, or retired, is written. A person's revert is not the agent's work (as for
 * kill switches) and a request a person approved stays approved (unless observe or retired).
 *
 * Returns, for each of `ids` that is stopped, why — in words the halted-work page shows.
 */
export async function phaseStops(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await tx.$queryRaw<{ id: string; name: string; phase: string; status: string }[]>`
    select r.id, a.name, a.phase::text as phase, a.status::text as status
    from "ActionRequest" r join "Agent" a on a.id = r."agentId"
    where r.id in (${Prisma.join(ids)}) and r."requestedById" is null
      and (a.phase = 'observe' or a.status = 'retired'
        or ((a.phase = 'propose' or a.status = 'suspended')
          and r."decisionMode" = 'auto' and not exists (
            select 1 from "Approval" p
            where p."actionRequestId" = r.id and p.decision = 'approved')))`;
  return new Map(rows.map((r) => [r.id, stopReason(r.name, r)]));
}

/** Nothing of the agent is written (observe, retired), or only what a person approved. */
const writesNothing = (a: { phase: string; status: string }) =>
  a.phase === "observe" || a.status === "retired";

function stopReason(agent: string, a: { phase: string; status: string }) {
  if (a.status === "retired") return `${agent} is retired: nothing more of it is written`;
  if (a.phase === "observe")
    return `${agent} is in the observe phase: its requests are recorded, never written`;
  return a.status === "suspended"
    ? `${agent} is suspended: a write Tollgate approved on its own waits for a person's approval`
    : `${agent} is in the propose phase: a write Tollgate approved on its own needs a person's approval now`;
}

type TActor = { type: "user"; userId: string } | { type: "system" };

/**
 * In the transaction that demotes, suspends or retires the agent (after its row changed): the
 * agent's work that its new phase and status would not let through is stopped — waiting writes
 * are halted (a person may discard them, or resume them once the agent may write them again),
 * and where nothing of the agent is written any more (observe, retired) what waits for a
 * decision or a release expires (the agent is told through its callback). A write already under
 * way finishes. Rows another transaction holds (a claim) are skipped here and stopped by their
 * claim, which asks again.
 */
export async function stopAgentWork(tx: Tx, agentId: string, actor: TActor, reason: string) {
  const [agent] = await tx.$queryRaw<{ name: string; phase: string; status: string }[]>`
    select name, phase::text as phase, status::text as status from "Agent" where id = ${agentId}`;
  const rows = await tx.$queryRaw<{ id: string; status: TStatus }[]>`
    select id, status::text as status from "ActionRequest"
    where "agentId" = ${agentId} and "requestedById" is null
      and status in ('approved', 'auto_approved', 'retrying', 'pending_approval', 'draft')
    for update skip locked`;
  const undecided = (r: { status: TStatus }) =>
    r.status === "pending_approval" || r.status === "draft";
  const stops = await phaseStops(
    tx,
    rows.filter((r) => !undecided(r)).map((r) => r.id),
  );
  const expire = agent && writesNothing(agent);
  let halted = 0;
  let expired = 0;
  const now = new Date();
  for (const r of rows) {
    const why = undecided(r) ? (expire ? stopReason(agent.name, agent) : null) : stops.get(r.id);
    if (!why) continue;
    await transitionRequest(tx, {
      id: r.id,
      from: r.status,
      to: undecided(r) ? "expired" : "halted",
      // expiring is Tollgate's move (the state machine's actor), on the person's change
      actor: undecided(r) ? { type: "system" } : actor,
      reason: `${reason} — ${why}`,
      data: undecided(r) ? {} : { haltedAt: now },
    });
    if (undecided(r)) expired++;
    else halted++;
  }
  return { halted, expired };
}
