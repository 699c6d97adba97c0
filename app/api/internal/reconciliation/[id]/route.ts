import { withSession } from "@/lib/http/with-session";
import { getReconciliationRun } from "@/lib/reconcile/runs";

// GET /api/internal/reconciliation/:id — one run's findings
export const GET = withSession({ permission: "requests:read" }, async ({ params }) =>
  getReconciliationRun(params.id),
);
