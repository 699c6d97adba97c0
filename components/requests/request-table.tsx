import Link from "next/link";
import type { TRequestRow } from "@/lib/requests";
import { TableBody, TableCell, TableEmpty, TableFrame, TableHeader } from "@/components/ui";
import { formatTime } from "@/components/format";
import { StatusBadge } from "./status-badge";

const COLUMNS = [
  "Created",
  "Agent",
  "Workflow version",
  "Action",
  "Record",
  "Status",
  "Decided by",
  "Outcome",
];

function DecidedBy({ d }: { d: TRequestRow["decidedBy"] }) {
  if (!d) return <span className="text-muted">—</span>;
  if (d.kind === "auto") return <span>auto</span>;
  if (d.kind === "people")
    return (
      <span>
        {d.names.join(", ")}
        {d.decision === "denied" && <span className="text-muted"> (denied)</span>}
      </span>
    );
  return (
    <span title={d.detail ?? undefined}>
      refused{d.code && <span className="font-mono text-xs"> {d.code}</span>}
    </span>
  );
}

/**
 * Every request in a table, newest first: who asked, for what, on which record, where it stands,
 * who decided and how it ended. The id links to the request's own page.
 */
export function RequestTable({ rows }: { rows: TRequestRow[] }) {
  return (
    <TableFrame label="Action requests" minWidth="70rem" dense>
      <TableHeader columns={COLUMNS} />
      <TableBody>
        {rows.length === 0 && (
          <TableEmpty colSpan={COLUMNS.length}>No request matches these filters.</TableEmpty>
        )}
        {rows.map((r) => (
          <tr key={r.id} data-id={r.id} className="align-top hover:bg-slate-50">
            <TableCell className="whitespace-nowrap">
              <Link
                href={`/requests/${encodeURIComponent(r.id)}`}
                className="font-mono text-xs text-primary hover:underline"
              >
                {r.id}
              </Link>
              <div className="text-xs text-muted">{formatTime(r.createdAt)}</div>
            </TableCell>
            <TableCell className="whitespace-nowrap">
              <div className="font-medium">{r.agent.name}</div>
              <div className="text-xs text-muted">{r.environment}</div>
            </TableCell>
            <TableCell className="whitespace-nowrap">
              {r.workflow ? (
                <>
                  {r.workflow.name} <span className="text-muted">v{r.workflow.version}</span>
                </>
              ) : (
                <span className="text-muted">—</span>
              )}
            </TableCell>
            <TableCell>
              {r.actionType ? (
                <>
                  <div>
                    {r.revert ? (r.revert.deletes ? "Revert by delete: " : "Revert: ") : ""}
                    {r.actionType.name}
                  </div>
                  <div className="break-all font-mono text-xs text-muted">{r.actionType.key}</div>
                </>
              ) : (
                <span className="text-muted">—</span>
              )}
            </TableCell>
            <TableCell className="min-w-48">
              <div>
                {r.object}
                {r.recordName && <span className="font-medium"> · {r.recordName}</span>}
              </div>
              <div className="font-mono text-xs text-muted">{r.recordId ?? "new record"}</div>
            </TableCell>
            <TableCell>
              <StatusBadge status={r.status} />
            </TableCell>
            <TableCell className="max-w-48 text-sm">
              <DecidedBy d={r.decidedBy} />
            </TableCell>
            <TableCell className="max-w-64 break-words text-xs">
              {r.outcome ?? <span className="text-muted">—</span>}
            </TableCell>
          </tr>
        ))}
      </TableBody>
    </TableFrame>
  );
}
