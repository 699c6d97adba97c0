import { withSession } from "@/lib/http/with-session";
import { tripKillSwitch, ZKillSwitchInput } from "@/lib/guardrails";

// POST /api/internal/kill-switches/trip — engage a switch; answers how many queued requests halted
export const POST = withSession(
  { permission: "kill_switches:write", body: ZKillSwitchInput },
  async ({ user, body, context }) => ({
    killSwitch: await tripKillSwitch(body, user.id, context),
  }),
);
