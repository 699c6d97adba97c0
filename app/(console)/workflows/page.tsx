import Link from "next/link";
import { requirePage } from "@/lib/auth";
import { listWorkflows } from "@/lib/workflows";
import { Badge, EmptyState, PageHeader, Table } from "@/components/ui";

export const metadata = { title: "Workflows" };

export default async function WorkflowsPage() {
  await requirePage("workflows:read", "/workflows");
  const workflows = await listWorkflows();
  return (
    <>
      <PageHeader
        title="Workflows"
        description="What agents may propose under each workflow and when: versions, rolled out as a canary (5% → 25% → 100% of accounts), change windows, and each workflow's kill switch."
      />
      {workflows.length === 0 ? (
        <EmptyState title="No workflows">Workflows appear here once they are defined.</EmptyState>
      ) : (
        <Table.Frame label="Workflows" minWidth="52rem">
          <Table.Header
            columns={[
              "Workflow",
              "Owner",
              "Baseline",
              "Canary",
              "Draft",
              "Kill switch",
              { label: "Requests (7 d)", key: "requests", align: "right" },
            ]}
          />
          <Table.Body>
            {workflows.map((w) => (
              <tr key={w.id} data-testid={`workflow-${w.key}`}>
                <Table.Cell>
                  <Link
                    href={`/workflows/${w.id}`}
                    className="font-medium text-link hover:underline"
                  >
                    {w.name}
                  </Link>
                  <div className="font-mono text-xs text-muted">{w.key}</div>
                </Table.Cell>
                <Table.Cell>{w.owner}</Table.Cell>
                <Table.Cell>{w.baseline ? `v${w.baseline}` : "—"}</Table.Cell>
                <Table.Cell>
                  {w.canary ? (
                    <Badge tone="amber">
                      v{w.canary.version} · {w.canary.rolloutPercent}%
                    </Badge>
                  ) : (
                    "—"
                  )}
                </Table.Cell>
                <Table.Cell>{w.draft ? `v${w.draft}` : "—"}</Table.Cell>
                <Table.Cell>
                  <Badge tone={w.killSwitchEngaged ? "red" : "green"}>
                    {w.killSwitchEngaged ? "Engaged" : "Off"}
                  </Badge>
                </Table.Cell>
                <Table.Cell align="right" className="tabular-nums">
                  {w.requests7d}
                </Table.Cell>
              </tr>
            ))}
          </Table.Body>
        </Table.Frame>
      )}
    </>
  );
}
