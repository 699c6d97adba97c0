import { can, requirePage } from "@/lib/auth";
import { getAuditStatus } from "@/lib/audit";
import { Badge, PageHeader, Table } from "@/components/ui";
import { formatTime } from "@/components/format";
import { AuditVerifyButton } from "@/components/audit-verify-button";

export const metadata = { title: "Audit integrity" };

export default async function AuditPage() {
  const user = await requirePage("audit:read", "/audit");
  const { lanes, runs } = await getAuditStatus();
  return (
    <>
      <PageHeader
        title="Audit integrity"
        description="Each lane is a hash chain. Verification re-hashes its events and compares the last one with the lane's head, so a changed, removed or added event shows as a break. Workers verify new events every few minutes and whole lanes daily."
      >
        {can(user.roles, "audit:verify") && <AuditVerifyButton />}
      </PageHeader>
      <Table.Frame label="Audit lanes" minWidth="52rem">
        <Table.Header
          columns={["Lane", "Head", "Events", "Verified up to", "Last verification", "Result"]}
        />
        <Table.Body>
          {lanes.map(({ lane, head, eventCount, verification: v }) => (
            <tr key={lane} data-testid={`lane-${lane}`}>
              <Table.Cell className="font-medium">{lane}</Table.Cell>
              <Table.Cell>
                {head ? (
                  <>
                    seq {head.seq}{" "}
                    <code className="text-xs text-muted" title={head.hash}>
                      {head.hash.slice(0, 12)}…
                    </code>
                  </>
                ) : (
                  "no head row"
                )}
              </Table.Cell>
              <Table.Cell>{eventCount}</Table.Cell>
              <Table.Cell>{v?.verifiedSeq ? `seq ${v.verifiedSeq}` : "—"}</Table.Cell>
              <Table.Cell className="text-muted">
                {v?.lastRunAt ? formatTime(v.lastRunAt) : "never"}
                {v?.lastFullAt && (
                  <div className="text-xs text-muted">whole lane {formatTime(v.lastFullAt)}</div>
                )}
              </Table.Cell>
              <Table.Cell>
                {!v?.lastRunAt ? (
                  <Badge>not verified yet</Badge>
                ) : v.ok ? (
                  <Badge tone="green">intact</Badge>
                ) : (
                  <div>
                    <Badge tone="red">
                      broken at seq {v.breakSeq} ({v.breakKind})
                    </Badge>
                    <div className="mt-1 text-xs text-muted">{v.breakDetail}</div>
                  </div>
                )}
              </Table.Cell>
            </tr>
          ))}
        </Table.Body>
      </Table.Frame>
      <h2 className="mb-2 mt-8 text-sm font-semibold text-fg">Recent verifications</h2>
      <Table.Frame label="Recent verifications" minWidth="52rem">
        <Table.Header columns={["When", "Lane", "By", "Walk", "Result"]} />
        <Table.Body>
          {runs.length === 0 && <Table.Empty colSpan={5}>No verification has run yet.</Table.Empty>}
          {runs.map((r) => (
            <tr key={r.id}>
              <Table.Cell className="text-muted">{formatTime(r.finishedAt)}</Table.Cell>
              <Table.Cell>{r.lane}</Table.Cell>
              <Table.Cell>{r.trigger}</Table.Cell>
              <Table.Cell className="text-muted">
                {r.mode === "full" ? "whole lane" : `after seq ${r.fromSeq}`}, {r.checked} events
              </Table.Cell>
              <Table.Cell>
                {r.ok ? (
                  <Badge tone="green">intact</Badge>
                ) : (
                  <Badge tone="red" title={r.breakDetail ?? undefined}>
                    broken at seq {r.breakSeq} ({r.breakKind})
                  </Badge>
                )}
              </Table.Cell>
            </tr>
          ))}
        </Table.Body>
      </Table.Frame>
    </>
  );
}
