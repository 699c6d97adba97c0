import "server-only";
import { db } from "@/lib/db";
import { coveringSwitch, isLive, runPassed } from "./kill-switch-state";

/** A write stopped at the gate: an engaged kill switch covers its request. */
export class KillSwitchEngaged extends Error {
  constructor(
    readonly scope: string,
    readonly reason: string | null,
  ) {
    super(`Kill switch (${scope}) engaged: ${reason ?? "no reason given"}`);
    this.name = "KillSwitchEngaged";
  }
}

type TWork = {
  environmentId: string;
  agentId: string;
  workflowVersion: { workflowId: string } | null;
  /** set on a revert a person asked for */
  requestedById?: string | null;
};

export type TSwitchTarget = {
  environmentId: string;
  agentId: string | null;
  workflowId: string | null;
};

/**
 * What a kill switch must cover to stop this request. A revert a person asked for (one at a
 * time or in a backout) undoes the agent's write; it is not the agent's work, so the agent's or
 * its workflow's switch — tripped, often, because of the very writes being undone — does not stop
 * it. The global and environment switches do.
 */
export function switchTarget(work: TWork): TSwitchTarget {
  const person = Boolean(work.requestedById);
  return {
    environmentId: work.environmentId,
    agentId: person ? null : work.agentId,
    workflowId: person ? null : (work.workflowVersion?.workflowId ?? null),
  };
}

async function engagedInDatabase(t: TSwitchTarget) {
  const [hit] = await db.$queryRaw<{ scope: string; reason: string | null }[]>`
    select scope::text, reason from "KillSwitch"
    where engaged and (scope = 'global'
      or "environmentId" = ${t.environmentId}
      or "agentId" = ${t.agentId}
      or (${t.workflowId}::text is not null and "workflowId" = ${t.workflowId}))
    order by scope limit 1`;
  return hit ?? null;
}

/**
 * The worker's last kill-switch gate, immediately before a Salesforce write starts: throws
 * `KillSwitchEngaged` when a switch covers the request, else runs `write` and counts it as
 * passed until it settles (this process acknowledges a trip only after such writes are done).
 * The switches come from memory, which the LISTEN connection keeps current; while that is down,
 * from the database. The check and the count happen with no await between them and `write`.
 */
export async function gateWrite<T>(work: TWork, write: () => Promise<T>): Promise<T> {
  const target = switchTarget(work);
  if (!isLive()) {
    const hit = await engagedInDatabase(target);
    if (hit) throw new KillSwitchEngaged(hit.scope, hit.reason);
  }
  // again after the read: the listener may have come up (and acknowledged a trip) meanwhile
  if (isLive()) {
    const hit = coveringSwitch(target);
    if (hit) throw new KillSwitchEngaged(hit.scope, hit.reason);
  }
  return runPassed(write);
}

/**
 * `gateWrite` for one Salesforce call that writes many requests (a batch): each request is
 * checked against the switches, and `write` runs with those no switch covers (counted as passed
 * until it settles); `stopped` names each covered request with its switch. As with one request,
 * no await comes between the last check and the write.
 */
export async function gateWrites<W extends TWork, T>(
  works: W[],
  write: (allowed: W[]) => Promise<T>,
): Promise<{
  stopped: Map<W, KillSwitchEngaged>;
  result: T | null;
  /** what `write` threw: the stopped ones were not part of it */
  error?: unknown;
}> {
  const targets = works.map(switchTarget);
  const stopped = new Map<W, KillSwitchEngaged>();
  if (!isLive()) {
    const seen = new Map<string, Awaited<ReturnType<typeof engagedInDatabase>>>();
    for (const [i, t] of targets.entries()) {
      const key = `${t.environmentId}|${t.agentId}|${t.workflowId}`;
      if (!seen.has(key)) seen.set(key, await engagedInDatabase(t));
      const hit = seen.get(key);
      if (hit) stopped.set(works[i], new KillSwitchEngaged(hit.scope, hit.reason));
    }
  }
  if (isLive()) {
    for (const [i, t] of targets.entries()) {
      const hit = coveringSwitch(t);
      if (hit) stopped.set(works[i], new KillSwitchEngaged(hit.scope, hit.reason));
    }
  }
  const allowed = works.filter((w) => !stopped.has(w));
  if (!allowed.length) return { stopped, result: null };
  try {
    return { stopped, result: await runPassed(() => write(allowed)) };
  } catch (error) {
    return { stopped, result: null, error };
  }
}
