import { z } from "zod";
import { type TCurrentUser } from "@/lib/auth";
import type { TRequestContext } from "@/lib/audit";
import { AppError } from "@/lib/core/errors";
import { decideActionRequest } from "./decide";

export const ZBulkDecision = z
  .object({
    ids: z.array(z.string().min(1).max(64)).min(1).max(200),
    decision: z.enum(["approve", "deny"]),
    reason: z.string().trim().max(2000).optional(),
  })
  .strict()
  .refine((b) => b.decision === "approve" || (b.reason ?? "").length >= 3, {
    path: ["reason"],
    message: "Give one reason for denying the whole selection",
  });
export type TBulkDecision = z.input<typeof ZBulkDecision>;

/**
 * Approve or deny a selection, with one reason (required to deny, optional to approve). Each
 * request is decided on its own (its own lock, checks and audit event), so one that someone else
 * decided first, or that separation of duties forbids, is reported and the rest still go through.
 */
export async function bulkDecide(
  user: TCurrentUser,
  input: TBulkDecision,
  context?: TRequestContext | null,
) {
  const { ids, decision, reason } = ZBulkDecision.parse(input);
  const results: { id: string; ok: boolean; status?: string; error?: string; code?: string }[] = [];
  for (const id of [...new Set(ids)]) {
    try {
      const r = await decideActionRequest(
        id,
        user,
        { decision, reason: reason || undefined },
        context,
        { bulk: true },
      );
      results.push({ id, ok: true, status: r.status });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      results.push({ id, ok: false, code: e.code, error: e.message });
    }
  }
  return {
    decided: results.filter((r) => r.ok).length,
    failed: results.filter((r) => !r.ok).length,
    results,
  };
}
