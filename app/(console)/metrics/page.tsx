import { requirePage } from "@/lib/auth";
import { AppError } from "@/lib/core/errors";
import { getMetrics } from "@/lib/metrics";
import { PageHeader } from "@/components/ui";
import { MetricsDashboard, type TMetricFilters } from "@/components/metrics/metrics-dashboard";

export const metadata = { title: "Metrics" };

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

export default async function MetricsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePage("metrics:read", "/metrics");
  const sp = await searchParams;
  let filters: TMetricFilters = {
    days: one(sp.days) || "30",
    agent: one(sp.agent),
    workflowVersion: one(sp.workflowVersion),
    actionType: one(sp.actionType),
    environment: one(sp.environment),
  };
  // a hand-edited URL with a filter that is not valid: the unfiltered default, not an error page
  const initial = await getMetrics(filters).catch(async (e) => {
    if (!(e instanceof AppError) || e.code !== "invalid_query") throw e;
    filters = { days: "30", agent: "", workflowVersion: "", actionType: "", environment: "" };
    return getMetrics(filters);
  });
  return (
    <>
      <PageHeader
        title="Metrics"
        description="How the agents' writes are doing: how often people undo them, how often they fail, how fast approvers decide and how long a write takes — per agent, action type, workflow version and environment, against the period before."
      />
      <MetricsDashboard filters={filters} initial={initial} />
    </>
  );
}
