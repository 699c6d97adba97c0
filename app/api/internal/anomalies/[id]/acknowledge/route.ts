import { withSession } from "@/lib/http/with-session";
import { acknowledgeAnomaly } from "@/lib/anomalies";

// POST /api/internal/anomalies/:id/acknowledge — a person has seen it (off the banner)
export const POST = withSession(
  { permission: "anomalies:acknowledge" },
  async ({ user, params, context }) => acknowledgeAnomaly(params.id, user.id, context),
);
