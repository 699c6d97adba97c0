import "server-only";
import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { auditEvent, writeAuditEvent, writeAuditEvents, type TRequestContext } from "@/lib/audit";
import { AppError, notFound } from "@/lib/core/errors";
import { prefixedId } from "@/lib/core/ids";
import { checkTransition } from "@/lib/action-requests/transitions";
import { liveInstances } from "@/lib/health/heartbeat";
import {
  awaitAcknowledgements,
  openAckListener,
  type TPropagation,
} from "./kill-switch-propagation";

export const ZKillSwitchInput = z
  .object({
    scope: z.enum(["global", "environment", "agent", "workflow"]),
    // environment slug / agent id / workflow key; omitted for global
    target: z.string().trim().min(1).max(200).optional(),
    reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(2000),
  })
  .strict();
export type TKillSwitchInput = z.input<typeof ZKillSwitchInput>;

/** A trip that halts a long queue writes an audit event per request: more than Prisma's 5 s. */
const HALT_TRANSACTION = { maxWait: 10_000, timeout: 120_000 };

/** Statuses of work that was allowed but has not started writing: a tripped switch halts it. */
const HALTABLE = ["approved", "auto_approved", "retrying"] as const;
// the lifecycle table is the one authority on this move and the event it emits; the halt is a
// bulk update (many rows, one statement), so it is checked here rather than row by row
const HALT_EVENT = new Map(
  HALTABLE.map((from) => {
    const check = checkTransition(from, "halted", "user");
    if (!check.ok) throw new Error(`state machine forbids ${from} → halted`);
    return [from, check.event] as const;
  }),
);

async function resolveTarget(tx: Tx, scope: string, target?: string) {
  if (scope === "global") return { scopeKey: "global", label: "global", where: {}, data: {} };
  if (!target) throw new AppError("invalid_body", `Name the ${scope} this switch applies to`);
  if (scope === "environment") {
    const env = await tx.environment.findUnique({ where: { slug: target } });
    if (!env) throw notFound(`Environment "${target}"`);
    return {
      scopeKey: `environment:${env.id}`,
      label: `environment ${env.slug}`,
      where: { environmentId: env.id },
      data: { environmentId: env.id },
    };
  }
  if (scope === "agent") {
    const agent = await tx.agent.findUnique({
      where: { id: target },
      include: { environment: true },
    });
    if (!agent) throw notFound(`Agent "${target}"`);
    return {
      scopeKey: `agent:${agent.id}`,
      label: `agent ${agent.slug} (${agent.environment.slug})`,
      // a person's revert of the agent's write is not the agent's work: it stays queued
      where: { agentId: agent.id, requestedById: null },
      data: { agentId: agent.id },
    };
  }
  const wf = await tx.workflow.findUnique({ where: { key: target } });
  if (!wf) throw notFound(`Workflow "${target}"`);
  return {
    scopeKey: `workflow:${wf.id}`,
    label: `workflow ${wf.key}`,
    where: { workflowVersion: { workflowId: wf.id }, requestedById: null },
    data: { workflowId: wf.id },
  };
}

/** A switch row as the routes answer it: `version` is a bigint, which JSON cannot carry. */
function answer<T extends { version: bigint }>(row: T): Omit<T, "version"> {
  const { version: _version, ...rest } = row;
  return rest;
}

/**
 * Trip a switch: queued approved work in its scope is marked halted, the trip and each halt
 * audited, in one transaction — which also announces the trip on commit (a trigger's NOTIFY,
 * migration …120000) with a change id. Every live instance (web server or worker) applies it in
 * memory at once and acknowledges it once nothing that passed its gate before is still running
 * (kill-switch-listener.ts). The answer waits for those acknowledgements, at most ~1 s, and
 * names the instances that did not acknowledge (also in a `kill_switch.propagated` event).
 */
export async function tripKillSwitch(
  input: TKillSwitchInput,
  /** the person tripping it, or null for Tollgate itself (an anomaly's automatic trip) */
  actorUserId: string | null,
  context?: TRequestContext | null,
  /** how long the answer waits for acknowledgements (ACK_WAIT_MS); tests on a busy machine wait longer */
  opts: { ackWaitMs?: number } = {},
): Promise<TKillSwitchTrip> {
  const data = ZKillSwitchInput.parse(input);
  const change = prefixedId("ksc");
  const actor = actorUserId
    ? ({ type: "user", userId: actorUserId } as const)
    : ({ type: "system" } as const);
  // listening for acknowledgements before the commit, so none is missed
  const listener = openAckListener();
  let tripped;
  try {
    tripped = await db.$transaction(async (tx) => {
      // the trigger puts this in the trip's notice; instances acknowledge under this id
      await tx.$queryRaw`select set_config('tollgate.kill_switch_change', ${change}, true)`;
      const t = await resolveTarget(tx, data.scope, data.target);
      const now = new Date();
      const sw = await tx.killSwitch.upsert({
        where: { scopeKey: t.scopeKey },
        create: {
          scope: data.scope,
          scopeKey: t.scopeKey,
          ...t.data,
          engaged: true,
          reason: data.reason,
          engagedById: actorUserId,
          engagedAt: now,
        },
        update: {
          engaged: true,
          reason: data.reason,
          engagedById: actorUserId,
          engagedAt: now,
          resetAt: null,
          resetById: null,
          resetReason: null,
        },
      });
      const candidates = await tx.actionRequest.findMany({
        where: { status: { in: [...HALTABLE] }, ...t.where },
        select: { id: true },
      });
      // halted and audited: exactly the rows this update moved, each with the status it moved
      // from, read under its row lock (a worker that claimed one meanwhile keeps it — its write
      // stops at the gate instead — and it gets no halt event)
      const queued = candidates.length
        ? await tx.$queryRaw<{ id: string; status: string; environmentId: string }[]>`
            with q as (
              select id, status::text as status from "ActionRequest"
              where id = any(${candidates.map((c) => c.id)})
                and status in ('approved', 'auto_approved', 'retrying')
              for update)
            update "ActionRequest" ar set status = 'halted', "haltedAt" = ${now},
              "updatedAt" = ${now}
            from q where ar.id = q.id
            returning ar.id, q.status, ar."environmentId"`
        : [];
      await writeAuditEvent(tx, {
        actor,
        action: "kill_switch.tripped",
        subjectId: sw.id,
        environmentId: sw.environmentId,
        reasonText: data.reason,
        payload: { scope: data.scope, target: t.label, halted: queued.length, change },
        context,
        at: now,
      });
      // one statement per 500 halts: a trip under load halts a backlog, and one round trip per
      // request kept the switch uncommitted for seconds (bench:killswitch)
      await writeAuditEvents(
        tx,
        queued.map((q) =>
          auditEvent({
            actor,
            action: HALT_EVENT.get(q.status as (typeof HALTABLE)[number])!,
            subjectId: q.id,
            environmentId: q.environmentId,
            reasonText: `Kill switch (${t.label}): ${data.reason}`,
            payload: { from: q.status, to: "halted", killSwitch: sw.id },
            context,
            at: now,
          }),
        ),
      );
      // who must acknowledge, and the instant before the commit (database clock) that
      // propagation is measured from
      const expected = await liveInstances(tx);
      const [{ at }] = await tx.$queryRaw<{ at: Date }[]>`
        select clock_timestamp() at time zone 'UTC' as at`;
      return { sw, label: t.label, halted: queued.length, expected, committedAt: at };
    }, HALT_TRANSACTION);
  } catch (e) {
    await (await listener)?.close();
    throw e;
  }
  const { sw, label, halted, expected, committedAt } = tripped;
  const propagation = await awaitAcknowledgements({
    change,
    expected,
    committedAt,
    listener: await listener,
    waitMs: opts.ackWaitMs,
  });
  await db.$transaction((tx) =>
    writeAuditEvent(tx, {
      actor,
      action: "kill_switch.propagated",
      subjectId: sw.id,
      environmentId: sw.environmentId,
      payload: propagation,
      context,
    }),
  );
  return { ...answer(sw), label, halted, propagation };
}

export type TKillSwitchTrip = Omit<
  Awaited<ReturnType<typeof db.killSwitch.findUniqueOrThrow>>,
  "version"
> & { label: string; halted: number; propagation: TPropagation };

/**
 * Reset a switch. Halted work stays halted until someone resumes it explicitly. Instances learn
 * of it at once too (the same trigger), but the answer does not wait: a reset lets work through,
 * and an instance that learns of it late only refuses a little longer.
 */
export async function resetKillSwitch(
  input: TKillSwitchInput,
  actorUserId: string,
  context?: TRequestContext | null,
) {
  const data = ZKillSwitchInput.parse(input);
  return db.$transaction(async (tx) => {
    const t = await resolveTarget(tx, data.scope, data.target);
    const sw = await tx.killSwitch.findUnique({ where: { scopeKey: t.scopeKey } });
    if (!sw?.engaged)
      throw new AppError("not_engaged", `The ${t.label} kill switch is not engaged`);
    const now = new Date();
    const updated = await tx.killSwitch.update({
      where: { id: sw.id },
      data: { engaged: false, resetAt: now, resetById: actorUserId, resetReason: data.reason },
    });
    await writeAuditEvent(tx, {
      actor: { type: "user", userId: actorUserId },
      action: "kill_switch.reset",
      subjectId: sw.id,
      environmentId: sw.environmentId,
      reasonText: data.reason,
      payload: { scope: data.scope, target: t.label, engagedSince: sw.engagedAt },
      context,
      at: now,
    });
    return { ...answer(updated), label: t.label };
  });
}

/** Engaged switches in the policy engine's shape. One small indexed query, never cached. */
export async function engagedKillSwitches() {
  const rows = await db.killSwitch.findMany({
    where: { engaged: true },
    select: {
      scope: true,
      engaged: true,
      reason: true,
      environmentId: true,
      agentId: true,
      workflow: { select: { key: true } },
      environment: { select: { slug: true } },
      agent: { select: { slug: true } },
    },
  });
  return rows.map((r) => ({
    scope: r.scope,
    engaged: r.engaged,
    reason: r.reason,
    environmentId: r.environmentId,
    agentId: r.agentId,
    workflowKey: r.workflow?.key ?? null,
  }));
}

/** Every switch a person may flip, with its state, for the console. */
export async function listKillSwitches() {
  const [switches, envs, agents, workflows] = await Promise.all([
    db.killSwitch.findMany({
      include: { engagedBy: { select: { name: true } }, resetBy: { select: { name: true } } },
    }),
    db.environment.findMany({
      orderBy: { createdAt: "asc" },
      select: { id: true, slug: true, name: true },
    }),
    db.agent.findMany({
      orderBy: [{ environmentId: "asc" }, { slug: "asc" }],
      select: { id: true, slug: true, name: true, environment: { select: { slug: true } } },
    }),
    db.workflow.findMany({ orderBy: { key: "asc" }, select: { id: true, key: true, name: true } }),
  ]);
  const byKey = new Map(switches.map((s) => [s.scopeKey, s]));
  const state = (scopeKey: string) => {
    const s = byKey.get(scopeKey);
    return {
      engaged: s?.engaged ?? false,
      reason: s?.reason ?? null,
      engagedAt: s?.engagedAt ?? null,
      // no person: Tollgate tripped it itself (an anomaly rule with automatic trip)
      engagedBy: s?.engagedBy?.name ?? (s?.engagedAt ? "Tollgate (automatic)" : null),
      resetAt: s?.resetAt ?? null,
      resetBy: s?.resetBy?.name ?? null,
      resetReason: s?.resetReason ?? null,
    };
  };
  // the console's row for a switch, whether or not it has ever been flipped
  const row = <S extends TKillSwitchInput["scope"]>(
    scope: S,
    target: string | null,
    name: string,
    label: string,
    scopeKey: string,
  ) => ({ scope, target, name, label, ...state(scopeKey) });
  return [
    row("global", null, "Everything", "Everything (global)", "global"),
    ...envs.map((e) =>
      row("environment", e.slug, e.name, `Environment: ${e.name}`, `environment:${e.id}`),
    ),
    ...workflows.map((w) =>
      row("workflow", w.key, w.name, `Workflow: ${w.name}`, `workflow:${w.id}`),
    ),
    ...agents.map((a) => {
      const name = `${a.slug} (${a.environment.slug})`;
      return row("agent", a.id, name, `Agent: ${name}`, `agent:${a.id}`);
    }),
  ];
}
export type TKillSwitchRow = Awaited<ReturnType<typeof listKillSwitches>>[number];
