import { withSession } from "@/lib/http/with-session";
import { listKillSwitches } from "@/lib/guardrails";

// GET /api/internal/kill-switches — every switch with its state, who engaged it and why
export const GET = withSession({ permission: "kill_switches:read" }, async () => ({
  killSwitches: await listKillSwitches(),
}));
