import { withSession } from "@/lib/http/with-session";
import { closeIncident, ZCloseIncidentInput } from "@/lib/incidents";

// POST /api/internal/incidents/:id/close — close the incident, with a reason
export const POST = withSession(
  { permission: "incidents:write", body: ZCloseIncidentInput },
  async ({ user, body, params, context }) => closeIncident(params.id, body, user.id, context),
);
