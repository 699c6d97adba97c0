import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { listKillSwitches } from "@/lib/guardrails";
import { listHalted } from "@/lib/execution/dead-letters";
import { listInstances } from "@/lib/health";
import { PageHeader } from "@/components/ui";
import { KillSwitchBoard } from "@/components/kill-switch-board";
import { HaltedWork } from "@/components/halted-work";
import { RunningInstances } from "@/components/running-instances";

export const metadata = { title: "Kill switches" };

export default async function KillSwitchesPage() {
  const user = await requirePage("kill_switches:read", "/kill-switches");
  const [rows, halted, instances] = await Promise.all([
    listKillSwitches(),
    listHalted(),
    listInstances(),
  ]);
  const canWrite = can(user.roles, "kill_switches:write");
  return (
    <>
      <PageHeader
        title="Kill switches"
        description="Stop agents at once. A tripped switch refuses new action requests in its scope from the next request on, on every running instance, and halts queued approved work; resetting it lets new requests through again, while halted requests stay halted."
      />
      <KillSwitchBoard rows={toClientProps(rows)} canWrite={canWrite} />
      <HaltedWork rows={toClientProps(halted.requests)} total={halted.total} canWrite={canWrite} />
      <RunningInstances rows={toClientProps(instances)} />
    </>
  );
}
