import { withSession } from "@/lib/http/with-session";
import { setIncidentSeverity, ZSetSeverityInput } from "@/lib/incidents";

// POST /api/internal/incidents/:id/severity — triage: P0–P3, with a reason
export const POST = withSession(
  { permission: "incidents:write", body: ZSetSeverityInput },
  async ({ user, body, params, context }) => setIncidentSeverity(params.id, body, user.id, context),
);
