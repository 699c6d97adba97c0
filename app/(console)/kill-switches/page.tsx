import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { listKillSwitches } from "@/lib/guardrails";
import { listHalted } from "@/lib/execution/dead-letters";
import { PageHeader } from "@/components/ui";
import { KillSwitchBoard } from "@/components/kill-switch-board";
import { HaltedWork } from "@/components/halted-work";

export const metadata = { title: "Kill switches" };

export default async function KillSwitchesPage() {
  const user = await requirePage("kill_switches:read", "/kill-switches");
  const [rows, halted] = await Promise.all([listKillSwitches(), listHalted()]);
  const canWrite = can(user.roles, "kill_switches:write");
  return (
    <>
      <PageHeader
        title="Kill switches"
        description="Stop agents at once. A tripped switch refuses new action requests in its scope from the next request on and halts queued approved work; resetting it lets new requests through again, while halted requests stay halted."
      />
      <KillSwitchBoard rows={toClientProps(rows)} canWrite={canWrite} />
      <HaltedWork rows={toClientProps(halted.requests)} total={halted.total} canWrite={canWrite} />
    </>
  );
}
