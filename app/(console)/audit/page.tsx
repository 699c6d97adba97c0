import { can, requirePage } from "@/lib/auth";
import { getAuditStatus } from "@/lib/audit";
import { Badge, PageHeader, TableFrame } from "@/components/ui";
import { formatTime } from "@/components/format";
import { AuditVerifyButton } from "@/components/audit-verify-button";

export const metadata = { title: "Audit integrity" };

const TH = "px-4 py-2 font-medium";
const TD = "px-4 py-3";

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
      <TableFrame label="Audit lanes" minWidth="52rem">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className={TH}>Lane</th>
            <th className={TH}>Head</th>
            <th className={TH}>Events</th>
            <th className={TH}>Verified up to</th>
            <th className={TH}>Last verification</th>
            <th className={TH}>Result</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {lanes.map(({ lane, head, eventCount, verification: v }) => (
            <tr key={lane} data-testid={`lane-${lane}`}>
              <td className={`${TD} font-medium`}>{lane}</td>
              <td className={TD}>
                {head ? (
                  <>
                    seq {head.seq}{" "}
                    <code className="text-xs text-slate-500" title={head.hash}>
                      {head.hash.slice(0, 12)}…
                    </code>
                  </>
                ) : (
                  "no head row"
                )}
              </td>
              <td className={TD}>{eventCount}</td>
              <td className={TD}>{v?.verifiedSeq ? `seq ${v.verifiedSeq}` : "—"}</td>
              <td className={`${TD} text-slate-600`}>
                {v?.lastRunAt ? formatTime(v.lastRunAt) : "never"}
                {v?.lastFullAt && (
                  <div className="text-xs text-slate-500">
                    whole lane {formatTime(v.lastFullAt)}
                  </div>
                )}
              </td>
              <td className={TD}>
                {!v?.lastRunAt ? (
                  <Badge>not verified yet</Badge>
                ) : v.ok ? (
                  <Badge tone="green">intact</Badge>
                ) : (
                  <div>
                    <Badge tone="red">
                      broken at seq {v.breakSeq} ({v.breakKind})
                    </Badge>
                    <div className="mt-1 text-xs text-slate-600">{v.breakDetail}</div>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </TableFrame>
      <h2 className="mb-2 mt-8 text-sm font-semibold text-slate-700">Recent verifications</h2>
      <TableFrame label="Recent verifications" minWidth="52rem">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className={TH}>When</th>
            <th className={TH}>Lane</th>
            <th className={TH}>By</th>
            <th className={TH}>Walk</th>
            <th className={TH}>Result</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {runs.length === 0 && (
            <tr>
              <td colSpan={5} className={`${TD} text-slate-500`}>
                No verification has run yet.
              </td>
            </tr>
          )}
          {runs.map((r) => (
            <tr key={r.id}>
              <td className={`${TD} text-slate-600`}>{formatTime(r.finishedAt)}</td>
              <td className={TD}>{r.lane}</td>
              <td className={TD}>{r.trigger}</td>
              <td className={`${TD} text-slate-600`}>
                {r.mode === "full" ? "whole lane" : `after seq ${r.fromSeq}`}, {r.checked} events
              </td>
              <td className={TD}>
                {r.ok ? (
                  <Badge tone="green">intact</Badge>
                ) : (
                  <Badge tone="red" title={r.breakDetail ?? undefined}>
                    broken at seq {r.breakSeq} ({r.breakKind})
                  </Badge>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </TableFrame>
    </>
  );
}
