import "server-only";
import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import type { TRequestContext } from "@/lib/audit";
import { lockActionRequest, transitionRequest } from "@/lib/action-requests";
import { AppError, notFound } from "@/lib/core/errors";
import { engagedSwitchFor } from "./kill-check";
import { applyPhaseStops, phaseStops } from "./phase-stop";
import { enqueueAfterCommit } from "./queue";

export const ZOperatorReason = z.string().trim().min(3, "Say why (3 characters or more)").max(2000);

const actor = (userId: string) => ({ type: "user" as const, userId });

/**
 * A person's retry or re-route gives the request a fresh budget of tries. Try numbers go on from
 * the highest (ExecutionAttempt is unique per request and number), so history is never reused.
 */
const freshBudget = (ar: { attempts: number }) => ({ attemptsBase: ar.attempts, claimFailures: 0 });

/**
 * A dead letter whose agent's phase or status no longer lets it through (demoted, suspended or
 * retired since Tollgate approved it on its own) is not retried: its claim would only stop it.
 * A re-route to an approver is the way on (their approval lets it through), or a discard.
 */
async function refusePhaseStop(tx: Tx, id: string) {
  const stop = (await phaseStops(tx, [id])).get(id);
  if (stop) {
    throw new AppError(
      "phase_forbids",
      `${stop.why}: ${stop.to === "pending_approval" ? "re-route it to an approver, or discard it" : "discard it"}`,
    );
  }
}

/**
 * A backout's revert is resumed or re-routed only through its backout (its pause, resume and
 * cancel: by someone other than its planner). A dead-lettered one may be retried while its
 * backout runs, by someone other than the planner; discarding one is always allowed.
 */
async function refuseBackoutRevert(
  tx: Tx,
  ar: { id: string; backoutId: string | null },
  userId: string,
  action: "resume" | "retry" | "reroute",
) {
  if (!ar.backoutId) return;
  const b = await tx.backout.findUniqueOrThrow({
    where: { id: ar.backoutId },
    select: { id: true, status: true, createdById: true },
  });
  if (action === "retry" && b.status === "running") {
    if (b.createdById === userId) {
      throw new AppError(
        "separation_of_duties",
        `You planned backout ${b.id}: someone else retries its reverts`,
      );
    }
    return;
  }
  throw new AppError(
    "state_changed",
    `Request ${ar.id} is a revert of backout ${b.id} (${b.status}): ${action === "retry" ? "retry it while the backout runs" : "resume or cancel it through its backout"}`,
  );
}

async function lockedRequest(tx: Tx, id: string) {
  if (!(await lockActionRequest(tx, id))) throw notFound(`Action request ${id}`);
  return tx.actionRequest.findUniqueOrThrow({
    where: { id },
    include: { workflowVersion: { select: { workflowId: true } }, deadLetter: true },
  });
}

/**
 * Resume halted work after its kill switch was reset: halted → approved, queued again. Refused
 * (and nothing changes) while any switch that covers one of the requests is still engaged.
 */
export async function resumeHalted(
  ids: string[],
  userId: string,
  reason: string,
  context?: TRequestContext | null,
) {
  const why = ZOperatorReason.parse(reason);
  const returned: string[] = [];
  const expired: string[] = [];
  const resumed = await db.$transaction(async (tx) => {
    const done: string[] = [];
    for (const id of ids) {
      const ar = await lockedRequest(tx, id);
      if (ar.status !== "halted") {
        throw new AppError(
          "state_changed",
          `Request ${id} is ${ar.status.replaceAll("_", " ")}, not halted`,
        );
      }
      await refuseBackoutRevert(tx, ar, userId, "resume");
      const sw = await engagedSwitchFor(tx, ar);
      if (sw) {
        throw new AppError(
          "kill_switch_engaged",
          `The ${sw.scope} kill switch covering ${id} is still engaged; reset it first`,
          { status: 409 },
        );
      }
      // its agent may no longer write it as it stands: back to a person, or expired
      const stops = await phaseStops(tx, [id]);
      if (stops.size) {
        const moved = await applyPhaseStops(tx, [{ ...ar, status: "halted" }], stops);
        if (moved.returnedToApproval) returned.push(id);
        else expired.push(id);
        continue;
      }
      await transitionRequest(tx, {
        id,
        from: "halted",
        to: "approved",
        actor: actor(userId),
        reason: why,
        context,
        // a halt stopped work before a try began: resume keeps its budget, claims start afresh
        data: { haltedAt: null, nextAttemptAt: null, claimFailures: 0 },
      });
      done.push(id);
    }
    return done;
  });
  for (const id of resumed) await enqueueAfterCommit(id);
  return {
    resumed: resumed.length,
    ids: resumed,
    // halted work its agent's phase or status now stops went where the stop says instead
    returnedToApproval: returned,
    expired,
  };
}

export const ZDeadLetterAction = z
  .object({
    action: z.enum(["retry", "reroute", "discard"]),
    reason: ZOperatorReason,
  })
  .strict();
export type TDeadLetterAction = z.infer<typeof ZDeadLetterAction>;

/**
 * Resolve a dead letter: `retry` runs it again (a fresh budget of tries, numbered on from the
 * last one), `reroute` sends it
 * back to an approver, `discard` ends it. Each is audited with the person and the reason.
 */
export async function resolveDeadLetter(
  id: string,
  userId: string,
  input: TDeadLetterAction,
  context?: TRequestContext | null,
) {
  const { action, reason } = ZDeadLetterAction.parse(input);
  const status = await db.$transaction(async (tx) => {
    const ar = await lockedRequest(tx, id);
    if (ar.status !== "dead_lettered" || !ar.deadLetter || ar.deadLetter.resolvedAt) {
      throw new AppError(
        "state_changed",
        `Request ${id} is ${ar.status.replaceAll("_", " ")}: it is not waiting in the dead-letter queue`,
      );
    }
    if (action !== "discard") await refuseBackoutRevert(tx, ar, userId, action);
    if (action === "retry") {
      await refusePhaseStop(tx, id);
      const sw = await engagedSwitchFor(tx, ar);
      if (sw)
        throw new AppError("kill_switch_engaged", `The ${sw.scope} kill switch is engaged`, {
          status: 409,
        });
    }
    const to =
      action === "retry" ? "approved" : action === "reroute" ? "pending_approval" : "discarded";
    const onCall =
      action === "reroute" && !ar.approverRole
        ? await tx.approverGroup.findFirst({ where: { isOnCall: true }, select: { key: true } })
        : null;
    await transitionRequest(tx, {
      id,
      from: "dead_lettered",
      to,
      actor: actor(userId),
      reason,
      data:
        action === "retry"
          ? { ...freshBudget(ar), nextAttemptAt: null, completedAt: null }
          : action === "reroute"
            ? {
                ...freshBudget(ar),
                approverRole: ar.approverRole ?? onCall?.key ?? null,
                requiredApprovals: Math.max(1, ar.requiredApprovals),
                decidedAt: null,
                completedAt: null,
                slaDueAt: new Date(Date.now() + 4 * 3600_000),
                expiresAt: new Date(Date.now() + 3 * 86_400_000),
                escalatedAt: null,
                escalatedTo: null,
              }
            : { completedAt: new Date() },
      payload: { deadLetter: ar.deadLetter.id, action },
      context,
    });
    if (action === "reroute") await tx.approval.deleteMany({ where: { actionRequestId: id } });
    await tx.deadLetter.update({
      where: { id: ar.deadLetter.id },
      data: {
        resolvedAt: new Date(),
        resolution:
          action === "retry" ? "retried" : action === "reroute" ? "rerouted" : "discarded",
        resolvedById: userId,
        resolutionReason: reason,
      },
    });
    return to;
  });
  if (status === "approved") await enqueueAfterCommit(id);
  return { id, status };
}
