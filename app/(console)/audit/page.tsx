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
        description="Each lane is a hash chain. Events are stored as they happen and sealed into their lane's chain within about a second by the workers' sealer, which also signs a checkpoint of each lane's head; until then an event is unsealed. Verification re-hashes the sealed events and compares the last one with the lane's head and its signed checkpoints, so a changed, removed or added event shows as a break. Workers verify new events every few minutes and whole lanes daily."
      >
        {can(user.roles, "audit:verify") && <AuditVerifyButton />}
      </PageHeader>
      <Table.Frame label="Audit lanes" minWidth="72rem">
        <Table.Header
          columns={[
            "Lane",
            "Head",
            "Unsealed",
            "Last sealed",
            "Signed checkpoint",
            "Verified up to",
            "Last verification",
            "Result",
          ]}
        />
        <Table.Body>
          {lanes.map((l) => {
            const v = l.verification;
            return (
              <tr key={l.lane} data-testid={`lane-${l.lane}`}>
                <Table.Cell className="font-medium">{l.lane}</Table.Cell>
                <Table.Cell>
                  seq {l.headSeq}{" "}
                  <code className="text-xs text-muted" title={l.headHash}>
                    {l.headHash.slice(0, 12)}…
                  </code>
                </Table.Cell>
                <Table.Cell data-testid={`unsealed-${l.lane}`}>
                  {l.unsealed === 0 ? (
                    <span className="text-muted">none</span>
                  ) : (
                    <>
                      <Badge tone="amber">{l.unsealed} unsealed</Badge>
                      <div className="text-xs text-muted">
                        oldest {Math.round(l.oldestUnsealedSecondsAgo ?? 0)} s ago
                      </div>
                    </>
                  )}
                </Table.Cell>
                <Table.Cell className="text-muted">
                  {l.lastSealAt && l.headSeq > 0 ? formatTime(l.lastSealAt) : "—"}
                </Table.Cell>
                <Table.Cell className="text-muted">
                  {l.checkpoint ? (
                    <>
                      seq {l.checkpoint.seq}, {formatTime(l.checkpoint.at)}
                      <div className="text-xs">key {l.checkpoint.keyId}</div>
                    </>
                  ) : (
                    "none yet"
                  )}
                </Table.Cell>
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
            );
          })}
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
