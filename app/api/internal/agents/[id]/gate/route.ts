import { withSession } from "@/lib/http/with-session";
import { evaluateGate, listPhaseChanges } from "@/lib/gates";

// GET /api/internal/agents/:id/gate — the phase gate: each criterion met or not, with its evidence
export const GET = withSession({ permission: "agents:read" }, async ({ params }) => ({
  gate: await evaluateGate(params.id),
  changes: await listPhaseChanges(params.id),
}));
