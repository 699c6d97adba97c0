import { z } from "zod";
import { type TCurrentUser } from "@/lib/auth";
import type { TRequestContext } from "@/lib/audit";
import { enqueueAfterCommit } from "@/lib/execution/queue";
import { decideWaiting } from "./decide";

export const ZDraftAction = z
  .object({
    action: z.enum(["execute", "discard"]),
    reason: z.string().trim().max(2000).optional(),
    seen: z.record(z.string().max(200), z.unknown()).optional(),
  })
  .strict();
export type TDraftAction = z.input<typeof ZDraftAction>;

/**
 * Human-only work arrives as a draft. Executing a draft is an approval under the same rules as
 * any other (`decideWaiting`: group membership, one decision per person, separation of duties):
 * each Execute records one approval, and the one that reaches the rule's `requiredApprovals`
 * releases the draft to the worker (status `approved`). Until then it stays a draft showing
 * how many approvals it has. Discarding needs a reason and ends it.
 */
export async function actOnDraft(
  requestId: string,
  user: TCurrentUser,
  input: TDraftAction,
  context?: TRequestContext | null,
) {
  const { action, reason, seen } = ZDraftAction.parse(input);
  const result = await decideWaiting(
    requestId,
    user,
    { decision: action === "execute" ? "approve" : "deny", reason, seen },
    "draft",
    context,
  );
  if (result.status === "approved") await enqueueAfterCommit(requestId);
  return { id: requestId, ...result };
}
