import "server-only";
import { db, type Tx } from "@/lib/db";
import { writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { clearPolicyCaches } from "@/lib/agent-api/policy-context";
import { forgetApiKeys } from "@/lib/agents/api-keys";
import { STOPS_WORK, stopAgentWork } from "@/lib/execution/phase-stop";
import { evaluateGate, type TGate } from "./evaluate-gate";
import {
  PHASES,
  ZPhaseChangeInput,
  nextPhase,
  type TPhase,
  type TPhaseChangeInput,
} from "./schemas";

/**
 * The only way an agent's phase changes (a trigger refuses every other update of Agent.phase,
 * migration `…_phase_gates`): a promotion one step up, allowed only when every criterion of
 * the gate is met — evaluated here, inside the transaction that holds the agent's row lock —
 * a demotion to any lower phase (always allowed, with a reason), and the automatic demotion of
 * an agent in execute phase whose record breaches its criteria. Each commits with its
 * PhaseChange row and its config-lane audit event; two changes at once are applied one after
 * the other, and the second, made from the phase the first left behind, is refused.
 */

type TLocked = { id: string; slug: string; phase: TPhase; status: string; environmentId: string };

async function lockAgent(tx: Tx, agentId: string): Promise<TLocked> {
  const rows = await tx.$queryRaw<TLocked[]>`
    SELECT id, slug, phase::text AS phase, status::text AS status, "environmentId"
    FROM "Agent" WHERE id = ${agentId} FOR NO KEY UPDATE`;
  if (!rows[0]) throw notFound("Agent");
  return rows[0];
}

/** The gate as the PhaseChange row and the audit event keep it: small, and enough to judge. */
const summary = (gate: TGate) => ({
  from: gate.from.toISOString(),
  to: gate.to.toISOString(),
  record: gate.record,
  checks: gate.checks.map((c) => ({
    key: c.key,
    met: c.met,
    applies: c.applies,
    value: c.value,
    threshold: c.threshold,
  })),
});

/** Move the phase: allowed for this transaction only, then the guarded update. */
async function applyPhase(tx: Tx, agent: TLocked, to: TPhase) {
  await tx.$executeRaw`SELECT set_config('tollgate.phase_change', ${agent.id}, true)`;
  const n = await tx.agent.updateMany({
    where: { id: agent.id, phase: agent.phase },
    data: { phase: to },
  });
  if (n.count !== 1) throw new AppError("state_changed", "The agent's phase changed meanwhile");
}

function afterChange() {
  forgetApiKeys();
  clearPolicyCaches();
}

function checkCurrent(agent: TLocked, from: TPhase) {
  if (agent.status === "retired") {
    throw new AppError("agent_retired", `Agent "${agent.slug}" is retired; its phase is final`);
  }
  if (agent.phase !== from) {
    throw new AppError(
      "state_changed",
      `Agent "${agent.slug}" is in ${agent.phase} phase now, not ${from}: someone changed it since you looked; reload`,
    );
  }
}

/** An ops owner moves the agent one phase up; refused unless every criterion is met. */
export async function promoteAgent(
  agentId: string,
  input: TPhaseChangeInput,
  actorUserId: string,
  context?: TRequestContext | null,
  now?: Date,
) {
  const data = ZPhaseChangeInput.parse(input);
  const result = await db.$transaction(async (tx) => {
    const agent = await lockAgent(tx, agentId);
    checkCurrent(agent, data.from);
    if (nextPhase(agent.phase) !== data.to) {
      throw new AppError(
        "invalid_transition",
        nextPhase(agent.phase)
          ? `A promotion from ${agent.phase} leads to ${nextPhase(agent.phase)}, one phase at a time`
          : `Agent "${agent.slug}" is in execute phase: there is no phase above it`,
      );
    }
    const gate = await evaluateGate(agentId, now ?? new Date(), tx);
    if (!gate.allMet) {
      const unmet = gate.checks.filter((c) => !c.met);
      throw new AppError(
        "criteria_unmet",
        `Not promoted: ${unmet.map((c) => `${c.label} (${c.evidence})`).join("; ")}`,
        {
          errors: unmet.map((c) => ({
            path: `criteria.${c.key}`,
            message: `${c.label}: ${c.evidence}`,
          })),
        },
      );
    }
    await applyPhase(tx, agent, data.to);
    const change = await tx.phaseChange.create({
      data: {
        agentId,
        environmentId: agent.environmentId,
        fromPhase: agent.phase,
        toPhase: data.to,
        kind: "promotion",
        actorId: actorUserId,
        reason: data.reason,
        evaluation: summary(gate),
      },
      select: { id: true },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "agent.promoted",
      subjectId: agentId,
      environmentId: agent.environmentId,
      reasonText: data.reason,
      payload: {
        agent: agent.slug,
        from: agent.phase,
        to: data.to,
        changeId: change.id,
        gate: summary(gate),
      },
      context,
    });
    return { phase: data.to, changeId: change.id };
  });
  afterChange();
  return result;
}

/** A person moves the agent to a lower phase: always allowed, with a reason. */
export async function demoteAgent(
  agentId: string,
  input: TPhaseChangeInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZPhaseChangeInput.parse(input);
  const result = await db.$transaction(async (tx) => {
    const agent = await lockAgent(tx, agentId);
    checkCurrent(agent, data.from);
    if (PHASES.indexOf(data.to) >= PHASES.indexOf(agent.phase)) {
      throw new AppError(
        "invalid_transition",
        `A demotion goes down from ${agent.phase}; ${data.to} is not below it`,
      );
    }
    await applyPhase(tx, agent, data.to);
    const stopped = await stopAgentWork(tx, agentId, `Demoted to ${data.to}: ${data.reason}`);
    const change = await tx.phaseChange.create({
      data: {
        agentId,
        environmentId: agent.environmentId,
        fromPhase: agent.phase,
        toPhase: data.to,
        kind: "demotion",
        actorId: actorUserId,
        reason: data.reason,
        evaluation: {},
      },
      select: { id: true },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "agent.demoted",
      subjectId: agentId,
      environmentId: agent.environmentId,
      reasonText: data.reason,
      payload: {
        agent: agent.slug,
        from: agent.phase,
        to: data.to,
        changeId: change.id,
        automatic: false,
        ...stopped,
      },
      context,
    });
    return { phase: data.to, changeId: change.id, ...stopped };
  }, STOPS_WORK);
  afterChange();
  return result;
}

/**
 * The automatic demotion (the `phaseGates` leader's step): every active agent in execute phase
 * whose criteria turn automatic demotion on, and whose record breaches them (a rate at or over
 * its limit on at least BREACH_MIN_SAMPLE, a P0 incident, an anomaly), goes back to propose.
 * Idempotent: the demotion is a guarded update from execute under the row lock, so a second
 * run — or a second leader — finds nothing to do. Returns the agents demoted.
 */
export async function demoteOnBreach(now = new Date()): Promise<string[]> {
  const candidates = await db.agent.findMany({
    where: { phase: "execute", status: "active", criteria: { autoDemote: true } },
    select: { id: true },
  });
  const demoted: string[] = [];
  for (const { id } of candidates) {
    // one agent's failure does not keep the others in execute: it is tried again next run
    const done = await demoteOneOnBreach(id, now).catch((err: unknown) => {
      console.error(`phaseGates: automatic demotion of agent ${id} failed`, err);
      return false;
    });
    if (done) demoted.push(id);
  }
  if (demoted.length) afterChange();
  return demoted;
}

async function demoteOneOnBreach(id: string, now: Date) {
  return db.$transaction(async (tx) => {
    const agent = await lockAgent(tx, id);
    if (agent.phase !== "execute" || agent.status !== "active") return false;
    const gate = await evaluateGate(id, now, tx);
    if (!gate.breaches.length) return false;
    const breached = gate.checks.filter((c) => c.breached);
    const reason = `Automatic demotion: ${breached.map((c) => `${c.label} breached (${c.evidence})`).join("; ")}`;
    await applyPhase(tx, agent, "propose");
    const stopped = await stopAgentWork(tx, id, reason);
    const change = await tx.phaseChange.create({
      data: {
        agentId: id,
        environmentId: agent.environmentId,
        fromPhase: "execute",
        toPhase: "propose",
        kind: "auto_demotion",
        actorId: null,
        reason,
        evaluation: summary(gate),
      },
      select: { id: true },
    });
    await writeAuditEvent(tx, {
      actor: { type: "system" },
      action: "agent.demoted",
      subjectId: id,
      environmentId: agent.environmentId,
      reasonText: reason,
      payload: {
        agent: agent.slug,
        from: "execute",
        to: "propose",
        changeId: change.id,
        automatic: true,
        breaches: gate.breaches,
        ...stopped,
      },
    });
    return true;
  }, STOPS_WORK);
}

/** The agent's phase changes, newest first, with who made them. */
export async function listPhaseChanges(agentId: string) {
  const rows = await db.phaseChange.findMany({
    where: { agentId },
    orderBy: { createdAt: "desc" },
    take: 50,
    select: {
      id: true,
      fromPhase: true,
      toPhase: true,
      kind: true,
      reason: true,
      createdAt: true,
      actor: { select: { name: true } },
    },
  });
  return rows.map(({ actor, ...r }) => ({ ...r, actor: actor?.name ?? null }));
}
export type TPhaseChangeRow = Awaited<ReturnType<typeof listPhaseChanges>>[number];

/** The console's one door: up one phase is a promotion, down is a demotion. */
export function changePhase(
  agentId: string,
  input: TPhaseChangeInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZPhaseChangeInput.parse(input);
  return PHASES.indexOf(data.to) > PHASES.indexOf(data.from)
    ? promoteAgent(agentId, data, actorUserId, context)
    : demoteAgent(agentId, data, actorUserId, context);
}
