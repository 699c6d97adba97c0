import { withSession } from "@/lib/http/with-session";
import { changeAgentStatus, ZAgentStatusInput } from "@/lib/agents";

// POST /api/internal/agents/:id/status — suspend, resume or retire (final), with a reason
export const POST = withSession(
  { permission: "agents:write", body: ZAgentStatusInput },
  async ({ user, body, params, context }) => changeAgentStatus(params.id, body, user.id, context),
);
