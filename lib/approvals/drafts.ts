import { z } from "zod";
import { db } from "@/lib/db";
import { lockActionRequest, transitionRequest } from "@/lib/action-requests";
import { can, type TCurrentUser } from "@/lib/auth";
import { AppError, notFound } from "@/lib/core/errors";
import { enqueueAfterCommit } from "@/lib/execution/queue";
import { recordSeenValues } from "./decide";
import { decidingGroup } from "./membership";

export const ZDraftAction = z
  .object({
    action: z.enum(["execute", "discard"]),
    reason: z.string().trim().max(2000).optional(),
    seen: z.record(z.string().max(200), z.unknown()).optional(),
  })
  .strict();
export type TDraftAction = z.input<typeof ZDraftAction>;

/**
 * Human-only work arrives as a draft: a person of its approver group executes it (the worker
 * writes it like approved work, with that person on record) or discards it with a reason.
 */
export async function actOnDraft(requestId: string, user: TCurrentUser, input: TDraftAction) {
  const { action, reason, seen } = ZDraftAction.parse(input);
  if (!can(user.roles, "inbox:decide"))
    throw new AppError("forbidden", 403, "Your role cannot execute or discard drafts");
  if (action === "discard" && !reason) {
    throw new AppError("invalid_body", 400, "Say why you discard it", {
      errors: [{ path: "reason", message: "Required to discard a draft" }],
    });
  }
  const status = await db.$transaction(async (tx) => {
    if (!(await lockActionRequest(tx, requestId))) throw notFound("Action request");
    const ar = await tx.actionRequest.findUniqueOrThrow({ where: { id: requestId } });
    if (ar.status !== "draft") {
      throw new AppError(
        "state_changed",
        409,
        `The request is ${ar.status.replaceAll("_", " ")}: it is not a draft any more`,
      );
    }
    const deciding = decidingGroup(user, ar);
    if (!deciding) {
      throw new AppError(
        "forbidden",
        403,
        `This draft is for ${String(ar.approverRole).replaceAll("_", " ")}; you are not in that group`,
      );
    }
    const actor = { type: "user" as const, userId: user.id };
    if (action === "execute") {
      if (seen) await recordSeenValues(tx, requestId, seen);
      await tx.approval.create({
        data: {
          actionRequestId: requestId,
          approverId: user.id,
          decision: "approved",
          reason: reason ?? null,
          groupKey: deciding.group,
        },
      });
      await transitionRequest(tx, {
        id: requestId,
        from: "draft",
        to: "approved",
        actor,
        reason,
        data: { decidedAt: new Date() },
      });
      return "approved" as const;
    }
    await transitionRequest(tx, {
      id: requestId,
      from: "draft",
      to: "discarded",
      actor,
      reason,
      data: { decidedAt: new Date(), completedAt: new Date() },
    });
    return "discarded" as const;
  });
  if (status === "approved") await enqueueAfterCommit(requestId);
  return { id: requestId, status };
}
