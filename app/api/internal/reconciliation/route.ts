import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { reconcileEnvironment } from "@/lib/reconcile/reconcile";
import { listReconciliationRuns } from "@/lib/reconcile/runs";

// GET /api/internal/reconciliation — the runs, newest first
export const GET = withSession({ permission: "requests:read" }, async () => ({
  runs: await listReconciliationRuns(),
}));

const ZRunNow = z
  .object({
    environmentId: z.string().min(1).max(64),
    /** hours back from now (default TOLLGATE_RECONCILE_WINDOW_HOURS) */
    hours: z
      .number({ error: "Hours back must be a number" })
      .int("Hours back must be a whole number")
      .min(1, "Look back at least 1 hour")
      .max(24 * 90, "Look back at most 2,160 hours (90 days)")
      .optional(),
  })
  .strict();

// POST /api/internal/reconciliation — run one environment's reconciliation now, and answer its run
export const POST = withSession(
  { permission: "reconciliation:run", body: ZRunNow },
  async ({ user, body, context }) => {
    const to = new Date();
    return reconcileEnvironment({
      environmentId: body.environmentId,
      from: body.hours ? new Date(to.getTime() - body.hours * 3_600_000) : undefined,
      to,
      trigger: "person",
      requestedById: user.id,
      context,
    });
  },
);
