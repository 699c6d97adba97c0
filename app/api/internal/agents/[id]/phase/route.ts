import { withSession } from "@/lib/http/with-session";
import { changePhase, ZPhaseChangeInput } from "@/lib/gates";

// POST /api/internal/agents/:id/phase — promote one phase up (only when every criterion is met)
// or demote (always), with a reason; `from` is the phase the person saw
export const POST = withSession(
  { permission: "agents:promote", body: ZPhaseChangeInput },
  async ({ user, body, params, context }) => changePhase(params.id, body, user.id, context),
);
