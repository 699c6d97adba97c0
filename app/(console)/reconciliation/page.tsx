import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { listReconciliationRuns } from "@/lib/reconcile/runs";
import { listEnvironments } from "@/lib/environments";
import { PageHeader } from "@/components/ui";
import { ReconciliationBoard } from "@/components/reconciliation/reconciliation-board";

export const metadata = { title: "Reconciliation" };

export default async function ReconciliationPage({
  searchParams,
}: {
  searchParams: Promise<{ run?: string }>;
}) {
  const user = await requirePage("requests:read", "/reconciliation");
  const { run } = await searchParams;
  const [runs, environments] = await Promise.all([listReconciliationRuns(), listEnvironments()]);
  return (
    <>
      <PageHeader
        title="Reconciliation"
        description="What Tollgate wrote, read back from Salesforce every hour: fields that still hold Tollgate's value match; drift is a later change by someone else (who and when from the field history); missing is a record deleted since."
      />
      <ReconciliationBoard
        initial={toClientProps(runs)}
        environments={environments.map((e) => ({ id: e.id, name: e.name }))}
        canRun={can(user.roles, "reconciliation:run")}
        selected={run ?? null}
      />
    </>
  );
}
