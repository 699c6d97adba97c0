import "server-only";
import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { lockActionRequest, transitionRequest } from "@/lib/action-requests";
import { can, type TCurrentUser } from "@/lib/auth";
import { AppError, notFound } from "@/lib/core/errors";
import { Prisma } from "@/lib/db";
import { requestSubject, writeAuditEvent, type TRequestContext } from "@/lib/audit";
import { enqueueAfterCommit } from "@/lib/execution/queue";
import { deleteAllowedFor } from "@/lib/reverts/delete-rule";
import { decidingGroup } from "./membership";

export const ZDecisionInput = z
  .object({
    decision: z.enum(["approve", "deny"]),
    reason: z.string().trim().max(2000).optional(),
    /**
     * The current Salesforce values the approver was shown (inbox detail). Execution writes only
     * if the record still holds them; without it, the values when proposed are the reference.
     */
    seen: z.record(z.string().max(200), z.unknown()).optional(),
    /**
     * A revert that deletes a record is approved only with that record's id here: the inbox
     * sends it from the detail that says what is deleted (never from a key or a selection).
     */
    confirmDelete: z.string().max(18).optional(),
  })
  .strict();
export type TDecisionInput = z.input<typeof ZDecisionInput>;

/** Action types whose approval the agent's own owner may never give (separation of duties). */
const OWNER_MAY_NOT_APPROVE = new Set(["opportunity.change_amount_or_close_date"]);

/** What a person can be asked to decide: a pending approval, or a human-only draft. */
export type TWaitingKind = "approval" | "draft";

const WAITING = {
  approval: { status: "pending_approval", refused: "denied", noun: "request" },
  draft: { status: "draft", refused: "discarded", noun: "draft" },
} as const;

export type TDecideOptions = {
  /** one of a selection decided at once (lib/approvals/bulk.ts): a revert that deletes a record is refused */
  bulk?: boolean;
};

export type TDecisionResult = {
  status: "approved" | "denied" | "discarded" | "pending_approval" | "draft";
  approvals: number;
  required: number;
};

/**
 * An approver decides a pending request. See `decideWaiting` for the rules; the approved
 * request is queued for execution after the commit.
 */
export async function decideActionRequest(
  requestId: string,
  user: TCurrentUser,
  input: TDecisionInput,
  context?: TRequestContext | null,
  opts: TDecideOptions = {},
) {
  const result = await decideWaiting(
    requestId,
    user,
    ZDecisionInput.parse(input),
    "approval",
    context,
    opts,
  );
  if (result.status === "approved") await enqueueAfterCommit(requestId);
  return result;
}

/**
 * The one rule set for every human decision on waiting work, pending approvals and human-only
 * drafts alike. The request row is locked first, so decisions on one request are serialised.
 * The decider must be in the request's approver group (or the on-call group it escalated to),
 * may decide only once, and may not approve what their own agent proposed when it is raised-risk
 * or human-only (separation of duties). Each approval is one row; the approval that brings the
 * distinct approvers up to `requiredApprovals` moves the request to `approved` (a draft then
 * executes). A refusal (deny / discard) needs a reason and ends the request at once.
 */
export async function decideWaiting(
  requestId: string,
  user: TCurrentUser,
  input: z.output<typeof ZDecisionInput>,
  kind: TWaitingKind,
  context?: TRequestContext | null,
  opts: TDecideOptions = {},
): Promise<TDecisionResult> {
  const { decision, reason, seen, confirmDelete } = input;
  const waiting = WAITING[kind];
  if (!can(user.roles, "inbox:decide"))
    throw new AppError("forbidden", `Your role cannot decide ${waiting.noun}s`);
  if (decision === "deny" && !reason) {
    const verb = kind === "draft" ? "discard" : "deny";
    throw new AppError("invalid_body", `Say why you ${verb} it`, {
      errors: [{ path: "reason", message: `Required to ${verb} a ${waiting.noun}` }],
    });
  }
  try {
    return await db.$transaction(
      async (tx) => {
        // a person deactivated meanwhile decides nothing: the share lock waits for a
        // deactivation in flight (lib/users/set-user-status.ts), then reads its outcome
        const [decider] = await tx.$queryRaw<{ status: string }[]>`
          select status from "User" where id = ${user.id} for share`;
        if (decider?.status !== "active") {
          throw new AppError("forbidden", "Your account is deactivated: you cannot decide");
        }
        if (!(await lockActionRequest(tx, requestId))) throw notFound("Action request");
        const ar = await tx.actionRequest.findUniqueOrThrow({
          where: { id: requestId },
          include: {
            agent: { select: { ownerId: true, slug: true } },
            actionType: { select: { key: true, operation: true } },
            approvals: true,
          },
        });
        if (ar.status !== waiting.status) {
          throw new AppError(
            "state_changed",
            kind === "draft"
              ? `The request is ${ar.status.replaceAll("_", " ")}: it is not a draft any more`
              : `The request is ${ar.status.replaceAll("_", " ")}: it was decided already`,
          );
        }
        const deciding = decidingGroup(user, ar);
        if (!deciding) {
          throw new AppError(
            "forbidden",
            `This ${waiting.noun} waits for ${String(ar.approverRole).replaceAll("_", " ")}; you are not in that group`,
          );
        }
        if (decision === "approve" && ar.agent.ownerId === user.id && ownerMayNotApprove(ar)) {
          throw new AppError(
            "separation_of_duties",
            `You own ${ar.agent.slug}; someone else must approve this ${waiting.noun}`,
          );
        }
        if (decision === "approve" && ar.requestedById === user.id) {
          throw new AppError(
            "separation_of_duties",
            `You asked for this ${ar.revertsId ? "revert" : waiting.noun}; someone else must approve it`,
          );
        }
        if (ar.approvals.some((a) => a.approverId === user.id)) {
          throw new AppError("already_decided", `You have already decided this ${waiting.noun}`);
        }
        if (decision === "approve" && ar.operation === "delete")
          await mayApproveDelete(tx, ar, { ...opts, confirmDelete });
        await tx.approval.create({
          data: {
            actionRequestId: requestId,
            approverId: user.id,
            decision: decision === "approve" ? "approved" : "denied",
            reason: reason ?? null,
            groupKey: deciding.group,
          },
        });
        const actor = { type: "user" as const, userId: user.id };
        const required = Math.max(1, ar.requiredApprovals);
        if (decision === "deny") {
          await transitionRequest(tx, {
            id: requestId,
            from: waiting.status,
            to: waiting.refused,
            actor,
            reason,
            context,
            data:
              kind === "draft"
                ? { decidedAt: new Date(), completedAt: new Date() }
                : { decidedAt: new Date() },
          });
          return { status: waiting.refused, approvals: ar.approvals.length + 1, required };
        }
        // a revert checks Salesforce against what Tollgate wrote (or what its requester chose to
        // overwrite), never against what an approver saw: that could approve a person's edit away
        if (seen && !ar.revertsId) await recordSeenValues(tx, requestId, seen);
        const approvals = ar.approvals.filter((a) => a.decision === "approved").length + 1;
        if (approvals < required) {
          // one of several approvals: recorded on its own, the request keeps waiting
          await writeAuditEvent(tx, {
            actor,
            action: "action_request.approval_recorded",
            ...requestSubject(requestId, ar),
            reasonText: reason ?? null,
            payload: { approvals, required, group: deciding.group, kind },
            context,
          });
          return { status: waiting.status, approvals, required };
        }
        await transitionRequest(tx, {
          id: requestId,
          from: waiting.status,
          to: "approved",
          actor,
          reason,
          data: { decidedAt: new Date() },
          payload: { approvals, required },
          context,
        });
        return { status: "approved" as const, approvals, required };
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      throw new AppError("already_decided", `You have already decided this ${waiting.noun}`);
    }
    throw e;
  }
}

/**
 * A revert that deletes the record a create made is approved only on its own (never as one of a
 * selection: the approver must have read that it deletes), and only while the active matrix's
 * rule still lets a create be reverted by deleting its record — a rule changed after the revert
 * was asked for stops it here (and again at the write, lib/execution/write.ts).
 */
async function mayApproveDelete(
  tx: Tx,
  ar: {
    object: string;
    recordId: string | null;
    actionTypeId: string | null;
    actionType: { key: string; operation: string } | null;
  },
  opts: TDecideOptions & { confirmDelete?: string },
) {
  if (opts.bulk || !ar.recordId || opts.confirmDelete !== ar.recordId) {
    throw new AppError(
      "single_review_required",
      `This revert deletes ${ar.object} ${ar.recordId}: open it and approve it on its own, confirming the record it deletes`,
    );
  }
  if (!(await deleteAllowedFor(tx, ar))) {
    throw new AppError(
      "not_revertible",
      `The policy matrix no longer lets a revert delete the ${ar.object} a create made (${ar.actionType?.key ?? ar.object}); deny this revert and leave the record to a person`,
    );
  }
}

/**
 * Separation of duties: an agent's owner may not approve its raised-risk work — a rule raised by
 * a condition, a human-only action (the matrix's highest risk), or an action type listed above.
 */
function ownerMayNotApprove(ar: {
  decisionRule: string | null;
  decisionMode: string | null;
  actionType: { key: string } | null;
}) {
  const raised = Boolean(ar.decisionRule && !ar.decisionRule.endsWith("/default"));
  return (
    raised ||
    ar.decisionMode === "human_only" ||
    OWNER_MAY_NOT_APPROVE.has(ar.actionType?.key ?? "")
  );
}

/** Keep the values the approver saw as the reference execution compares with. */
async function recordSeenValues(tx: Tx, requestId: string, seen: Record<string, unknown>) {
  const changes = await tx.fieldChange.findMany({
    where: { actionRequestId: requestId },
    select: { id: true, field: true },
  });
  for (const c of changes) {
    if (!(c.field in seen)) continue;
    const v = seen[c.field];
    await tx.fieldChange.update({
      where: { id: c.id },
      data: {
        valueAtApproval:
          v === null || v === undefined ? Prisma.JsonNull : (v as Prisma.InputJsonValue),
      },
    });
  }
}
