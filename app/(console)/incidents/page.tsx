import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { listIncidentAgents, listIncidents } from "@/lib/incidents";
import { PageHeader } from "@/components/ui";
import { IncidentLog } from "@/components/incidents/incident-log";

export const metadata = { title: "Incidents" };

export default async function IncidentsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const user = await requirePage("incidents:read", "/incidents");
  const sp = await searchParams;
  const filters = {
    state: sp.state ?? "",
    agent: sp.agent ?? "",
    source: sp.source ?? "",
    severity: sp.severity ?? "",
  };
  const [list, agents] = await Promise.all([
    listIncidents(filters).catch(() => listIncidents({})),
    listIncidentAgents(),
  ]);
  return (
    <>
      <PageHeader
        title="Incidents"
        description="What went wrong and how bad it was: incidents opened from reconciliation drift and dead-letter bursts, or by a person. A person sets each one's severity; a P0 in an agent's window keeps it from being promoted."
      />
      <IncidentLog
        initial={toClientProps(list)}
        filters={filters}
        agents={agents}
        canWrite={can(user.roles, "incidents:write")}
      />
    </>
  );
}
