import { z } from "zod";
import { db, type Tx } from "@/lib/db";
import { lockActionRequest, transitionRequest } from "@/lib/action-requests";
import { can, type TCurrentUser } from "@/lib/auth";
import { AppError, notFound } from "@/lib/core/errors";
import { Prisma } from "@/lib/db";
import { enqueueAfterCommit } from "@/lib/execution/queue";
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
  })
  .strict();
export type TDecisionInput = z.input<typeof ZDecisionInput>;

/** Action types whose approval the agent's own owner may never give (separation of duties). */
const OWNER_MAY_NOT_APPROVE = new Set(["opportunity.change_amount_or_close_date"]);

/**
 * An approver decides a pending request. The request row is locked first, so decisions on one
 * request are serialised: with N required approvals the N-th approval moves it to approved,
 * a denial ends it, and everyone after the deciding click gets a 409. Nobody decides twice,
 * an agent never decides, and an agent's owner may not approve its raised-risk requests.
 */
export async function decideActionRequest(
  requestId: string,
  user: TCurrentUser,
  input: TDecisionInput,
) {
  const result = await decide(requestId, user, input);
  if (result.status === "approved") await enqueueAfterCommit(requestId);
  return result;
}

async function decide(requestId: string, user: TCurrentUser, input: TDecisionInput) {
  const { decision, reason, seen } = ZDecisionInput.parse(input);
  if (!can(user.roles, "inbox:decide"))
    throw new AppError("forbidden", 403, "Your role cannot decide action requests");
  if (decision === "deny" && !reason) {
    throw new AppError("invalid_body", 400, "Say why you deny it", {
      errors: [{ path: "reason", message: "Required for a denial" }],
    });
  }
  try {
    return await db.$transaction(
      async (tx) => {
        if (!(await lockActionRequest(tx, requestId))) throw notFound("Action request");
        const ar = await tx.actionRequest.findUniqueOrThrow({
          where: { id: requestId },
          include: {
            agent: { select: { ownerId: true, slug: true } },
            actionType: { select: { key: true } },
            approvals: true,
          },
        });
        if (ar.status !== "pending_approval") {
          throw new AppError(
            "state_changed",
            409,
            `The request is ${ar.status.replaceAll("_", " ")}: it was decided already`,
          );
        }
        const deciding = decidingGroup(user, ar);
        if (!deciding) {
          throw new AppError(
            "forbidden",
            403,
            `This request waits for ${String(ar.approverRole).replaceAll("_", " ")}; you are not in that group`,
          );
        }
        const raised = Boolean(ar.decisionRule && !ar.decisionRule.endsWith("/default"));
        if (
          decision === "approve" &&
          ar.agent.ownerId === user.id &&
          (raised || OWNER_MAY_NOT_APPROVE.has(ar.actionType?.key ?? ""))
        ) {
          throw new AppError(
            "separation_of_duties",
            403,
            `You own ${ar.agent.slug}; someone else must approve this request`,
          );
        }
        if (ar.approvals.some((a) => a.approverId === user.id)) {
          throw new AppError("already_decided", 409, "You have already decided this request");
        }
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
        if (decision === "approve" && seen) await recordSeenValues(tx, requestId, seen);
        if (decision === "deny") {
          await transitionRequest(tx, {
            id: requestId,
            from: "pending_approval",
            to: "denied",
            actor,
            reason,
            data: { decidedAt: new Date() },
          });
          return {
            status: "denied" as const,
            approvals: ar.approvals.length + 1,
            required: ar.requiredApprovals,
          };
        }
        const approvals = ar.approvals.filter((a) => a.decision === "approved").length + 1;
        if (approvals >= Math.max(1, ar.requiredApprovals)) {
          await transitionRequest(tx, {
            id: requestId,
            from: "pending_approval",
            to: "approved",
            actor,
            reason,
            data: { decidedAt: new Date() },
            payload: { approvals },
          });
          return { status: "approved" as const, approvals, required: ar.requiredApprovals };
        }
        return { status: "pending_approval" as const, approvals, required: ar.requiredApprovals };
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      throw new AppError("already_decided", 409, "You have already decided this request");
    }
    throw e;
  }
}

/** Keep the values the approver saw as the reference execution compares with. */
export async function recordSeenValues(tx: Tx, requestId: string, seen: Record<string, unknown>) {
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
