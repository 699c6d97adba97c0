import "server-only";
import { Prisma, type Tx } from "@/lib/db";
import { transitionRequests, type TMove, type TStatus } from "@/lib/action-requests";

/**
 * The agent's phase and status, asked again where a write is about to happen. Both are applied
 * when a request is received (lib/policy: observe → recorded only, propose → a person approves;
 * a suspended or retired agent is refused), but work received earlier can still be waiting when
 * the agent is demoted, suspended or retired: a write Tollgate approved on its own in the
 * execute phase must not run once the agent is back in propose or suspended — it goes back to a
 * person's approval — and nothing of an agent in observe, or retired, is written — it expires.
 * A person's revert is not the agent's work (as for kill switches) and a request a person
 * approved stays approved (unless observe or retired).
 */

export type TPhaseStop = { to: "pending_approval" | "expired"; why: string };

/**
 * For each of `ids` that is stopped: where it goes and why. The agents' rows are read under a
 * share lock first, so a claim made while a demotion is committing waits for it and reads the
 * phase it left (the demotion holds the row FOR NO KEY UPDATE — which a new request's foreign-key
 * check does not wait on — and it never waits on a claimed request).
 */
export async function phaseStops(tx: Tx, ids: string[]): Promise<Map<string, TPhaseStop>> {
  if (!ids.length) return new Map();
  await tx.$queryRaw`
    select a.id from "Agent" a
    where a.id in (select "agentId" from "ActionRequest" where id in (${Prisma.join(ids)}))
    for share`;
  const rows = await tx.$queryRaw<{ id: string; name: string; phase: string; status: string }[]>`
    select r.id, a.name, a.phase::text as phase, a.status::text as status
    from "ActionRequest" r join "Agent" a on a.id = r."agentId"
    where r.id in (${Prisma.join(ids)}) and r."requestedById" is null
      and (a.phase = 'observe' or a.status = 'retired'
        or ((a.phase = 'propose' or a.status = 'suspended')
          and r."decisionMode" = 'auto' and not exists (
            select 1 from "Approval" p
            where p."actionRequestId" = r.id and p.decision = 'approved')))`;
  return new Map(rows.map((r) => [r.id, stopOf(r.name, r)]));
}

function stopOf(agent: string, a: { phase: string; status: string }): TPhaseStop {
  if (a.status === "retired")
    return { to: "expired", why: `${agent} is retired: nothing more of it is written` };
  if (a.phase === "observe")
    return {
      to: "expired",
      why: `${agent} is in the observe phase: its requests are recorded, never written`,
    };
  return {
    to: "pending_approval",
    why:
      a.status === "suspended"
        ? `${agent} is suspended: a write Tollgate approved on its own waits for a person's approval`
        : `${agent} is in the propose phase: a write Tollgate approved on its own needs a person's approval`,
  };
}

/** What a request back in a person's hands needs: an approver group, a clock (as a re-route). */
const backToApproval = (onCallGroup: string | null) => Prisma.sql`
  "approverRole" = coalesce(ar."approverRole", ${onCallGroup}),
  "requiredApprovals" = greatest(1, ar."requiredApprovals"),
  "decidedAt" = null, "haltedAt" = null, "nextAttemptAt" = null,
  "slaDueAt" = now() at time zone 'UTC' + interval '4 hours',
  "expiresAt" = now() at time zone 'UTC' + interval '3 days',
  "escalatedAt" = null, "escalatedTo" = null`;

type TWaiting = {
  id: string;
  status: TStatus;
  environmentId: string;
  object: string;
  recordId: string | null;
};

/**
 * Move stopped requests where their stop says, a few statements for any number of them (one
 * guarded UPDATE and one audit statement per destination and source status): back to a
 * person's approval, or expired. Tollgate's move (the state machine's `system` actor).
 */
export async function applyPhaseStops(
  tx: Tx,
  rows: TWaiting[],
  stops: Map<string, TPhaseStop>,
  reason?: string,
) {
  const moves = (to: TPhaseStop["to"]) =>
    rows.flatMap((r): (TMove & { why: string })[] => {
      const stop = stops.get(r.id);
      return stop?.to === to ? [{ ...r, from: r.status, why: stop.why }] : [];
    });
  const back = moves("pending_approval");
  const gone = moves("expired");
  if (back.length) {
    const onCall = await tx.approverGroup.findFirst({
      where: { isOnCall: true },
      select: { key: true },
    });
    await transitionRequests(tx, {
      moves: back,
      to: "pending_approval",
      actor: { type: "system" },
      reason: reason ? `${reason} — ${back[0].why}` : back[0].why,
      set: backToApproval(onCall?.key ?? null),
    });
  }
  if (gone.length) {
    await transitionRequests(tx, {
      moves: gone,
      to: "expired",
      actor: { type: "system" },
      reason: reason ? `${reason} — ${gone[0].why}` : gone[0].why,
      set: Prisma.sql`"completedAt" = now() at time zone 'UTC'`,
    });
  }
  return { returnedToApproval: back.length, expired: gone.length };
}

/** The transaction that stops an agent's backlog: set-based, but a backlog may be large. */
export const STOPS_WORK = { timeout: 30_000 };

/**
 * In the transaction that demotes, suspends or retires the agent (after its row changed): the
 * agent's waiting work its new phase and status would not let through goes back to a person's
 * approval (propose, suspended) or expires (observe, retired: also what waited for a decision
 * or a release, and halted work). A write already under way finishes. Rows another transaction
 * holds (a claim, a decision) are skipped here and stopped where they go next: the claim asks
 * again, a decision on work of an observe-phase or retired agent ends at the claim.
 */
export async function stopAgentWork(tx: Tx, agentId: string, reason: string) {
  const rows = await tx.$queryRaw<TWaiting[]>`
    select id, status::text as status, "environmentId", object, "recordId"
    from "ActionRequest"
    where "agentId" = ${agentId} and "requestedById" is null
      and status in ('approved', 'auto_approved', 'retrying', 'halted', 'pending_approval', 'draft')
    for update skip locked`;
  const stops = await phaseStops(
    tx,
    rows.map((r) => r.id),
  );
  // undecided work is stopped only where nothing is written (its stop is then `expired`)
  for (const r of rows) {
    const undecided = r.status === "pending_approval" || r.status === "draft";
    if (undecided && stops.get(r.id)?.to !== "expired") stops.delete(r.id);
  }
  return applyPhaseStops(tx, rows, stops, reason);
}
