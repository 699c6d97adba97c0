import { can, requirePage } from "@/lib/auth";
import { getActiveMatrix, listMatrixVersions } from "@/lib/matrix";
import { toClientProps } from "@/lib/core/serialize";
import { VersionHistory } from "@/components/matrix/version-history";
import { Badge, EmptyState, PageHeader, Table } from "@/components/ui";
import { formatTime } from "@/components/format";

export const metadata = { title: "Policy matrix" };

const MODE = {
  auto: { label: "Auto", tone: "green" },
  human_in_the_loop: { label: "Human-in-the-loop", tone: "amber" },
  human_only: { label: "Human-only", tone: "red" },
} as const;

function sla(minutes: number | null) {
  if (!minutes) return "—";
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}

export default async function PolicyPage() {
  const user = await requirePage("policy:read", "/policy");
  const [matrix, versions] = await Promise.all([getActiveMatrix(), listMatrixVersions()]);
  const history = (
    <VersionHistory initial={toClientProps(versions)} canEdit={can(user.roles, "policy:edit")} />
  );
  if (!matrix) {
    return (
      <>
        <PageHeader title="Policy matrix" />
        <EmptyState title="No active matrix">
          Until a matrix version is published every agent request is refused.
        </EmptyState>
        {history}
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Policy matrix"
        description="Who approves what: for every action type, the default mode, the approver, what must be logged and how it is rolled back."
      >
        <div className="text-right text-xs text-muted" data-testid="matrix-version">
          <div className="text-sm font-medium text-fg">
            Version {matrix.version} · {matrix.status}
          </div>
          {matrix.publishedAt && (
            <div>
              published <span className="whitespace-nowrap">{formatTime(matrix.publishedAt)}</span>
              {matrix.publishedBy
                ? ` by ${matrix.publishedBy}`
                : matrix.createdBy
                  ? ` by ${matrix.createdBy}`
                  : ""}
            </div>
          )}
        </div>
      </PageHeader>
      <Table.Frame label="Policy matrix" minWidth="60rem">
        <Table.Header
          columns={[
            "Action",
            "Default mode",
            "Approver",
            "Logging required",
            "Rollback requirement",
            "Raised when",
            "SLA",
          ]}
        />
        <Table.Body>
          {matrix.rules.map((r) => (
            <tr key={r.id} data-testid={`rule-${r.actionType}`} className="align-top">
              <Table.Cell>
                <div className="font-medium">{r.actionName}</div>
                <div className="font-mono text-xs text-muted">{r.actionType}</div>
              </Table.Cell>
              <Table.Cell>
                <Badge tone={MODE[r.mode].tone}>{MODE[r.mode].label}</Badge>
                {r.requiredApprovals > 1 && (
                  <div className="mt-1 text-xs text-muted">{r.requiredApprovals} approvals</div>
                )}
              </Table.Cell>
              <Table.Cell>{r.approverName ?? <span className="text-muted">None</span>}</Table.Cell>
              <Table.Cell>
                <div>{r.loggingRequired}</div>
                <div className="mt-1 flex flex-wrap gap-1">
                  {r.requireReason && <Badge>reason code</Badge>}
                  {r.requireEvidence && <Badge>evidence</Badge>}
                </div>
              </Table.Cell>
              <Table.Cell>
                <div>{r.rollbackPlan}</div>
                {r.rollbackByDelete && (
                  <div className="mt-1">
                    <Badge title="A revert of a create under this rule deletes the record it made">
                      revert deletes the record
                    </Badge>
                  </div>
                )}
                {!r.reversible && (
                  <div className="mt-1">
                    <Badge tone="red" title="Cannot be undone automatically">
                      not auto-reversible
                    </Badge>
                  </div>
                )}
              </Table.Cell>
              <Table.Cell className="text-xs">
                {r.conditions.length === 0 && r.constraints.length === 0 && (
                  <span className="text-muted">—</span>
                )}
                {r.conditions.map((c) => (
                  <div key={c.name} className="mb-1">
                    <span className="font-medium">{c.name}</span>
                    {c.approverRole && <> → {c.approverRole.replace("_", " ")}</>}
                    {c.requiredApprovals && <> → {c.requiredApprovals} approvals</>}
                    {c.mode && <> → {c.mode}</>}
                    <div className="font-mono text-[11px] text-muted [overflow-wrap:anywhere]">
                      {c.when}
                    </div>
                  </div>
                ))}
                {r.constraints.map((c) => (
                  <div key={c.field} className="text-muted">
                    {c.min !== undefined && c.max !== undefined ? (
                      <>
                        {c.min.toLocaleString("en-US")} ≤ {c.field} ≤{" "}
                        {c.max.toLocaleString("en-US")}
                      </>
                    ) : (
                      <>
                        {c.field}
                        {c.min !== undefined && <> ≥ {c.min.toLocaleString("en-US")}</>}
                        {c.max !== undefined && <> ≤ {c.max.toLocaleString("en-US")}</>}
                      </>
                    )}
                    {c.maxRelativeChange !== undefined && (
                      <> · max change ±{Math.round(c.maxRelativeChange * 100)}%</>
                    )}
                  </div>
                ))}
              </Table.Cell>
              <Table.Cell className="whitespace-nowrap tabular-nums">
                {sla(r.slaMinutes)}
              </Table.Cell>
            </tr>
          ))}
        </Table.Body>
      </Table.Frame>
      {history}
    </>
  );
}
