import { withSession } from "@/lib/http/with-session";
import { resetKillSwitch, ZKillSwitchInput } from "@/lib/guardrails";

// POST /api/internal/kill-switches/reset — let new requests through again (halted work stays halted)
export const POST = withSession(
  { permission: "kill_switches:write", body: ZKillSwitchInput },
  async ({ user, body, context }) => ({
    killSwitch: await resetKillSwitch(body, user.id, context),
  }),
);
