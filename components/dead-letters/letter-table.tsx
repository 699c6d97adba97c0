import { TableBody, TableCell, TableFrame, TableHeader, cx } from "@/components/ui";
import { formatTime } from "@/components/format";
import { ErrorClassBadge, formatMs, ResolutionBadge } from "./labels";
import type { TLetterRow } from "./queries";

/**
 * Dead letters in a table: the error first (what a person decides on), then who, what, how many
 * tries and how long ago. A click on a row (or its message, by keyboard) opens the letter.
 */
export function LetterTable({
  label,
  rows,
  withResolution,
  openId,
  now,
  onOpen,
}: {
  label: string;
  rows: TLetterRow[];
  withResolution: boolean;
  openId: string | null;
  /** when the list was read (ms): ages count from then */
  now: number;
  onOpen: (row: TLetterRow, opener: HTMLButtonElement | null) => void;
}) {
  return (
    <TableFrame label={label} minWidth={withResolution ? "72rem" : "64rem"}>
      <TableHeader
        columns={[
          "Error",
          "Message",
          "Agent",
          "Action",
          "Record",
          { key: "tries", label: "Tries", align: "right" },
          { key: "age", label: "Age", align: "right" },
          withResolution && "Resolution",
        ]}
      />
      <TableBody>
        {rows.map((r) => (
          <tr
            key={r.id}
            data-testid={`dl-${r.requestId}`}
            onClick={(e) =>
              onOpen(r, e.currentTarget.querySelector<HTMLButtonElement>("button[data-open]"))
            }
            className={cx(
              "cursor-pointer align-top hover:bg-slate-50",
              openId === r.requestId && "bg-indigo-50",
            )}
          >
            <TableCell>
              <ErrorClassBadge errorClass={r.errorClass} />
              {r.errorCode && (
                <div className="mt-1 font-mono text-[11px] text-muted">{r.errorCode}</div>
              )}
            </TableCell>
            <TableCell className="max-w-sm">
              <button
                type="button"
                data-open
                onClick={(e) => {
                  e.stopPropagation();
                  onOpen(r, e.currentTarget);
                }}
                className="text-left text-slate-800 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-focus"
              >
                {r.errorMessage}
                <span className="sr-only"> — open {r.requestId}</span>
              </button>
            </TableCell>
            <TableCell className="whitespace-nowrap">
              <div className="font-medium">{r.agent}</div>
              <div className="text-xs text-muted">{r.environment}</div>
            </TableCell>
            <TableCell className="font-mono text-xs">{r.actionType ?? "—"}</TableCell>
            <TableCell className="text-xs">
              <div>{r.object}</div>
              <div className="font-mono text-muted">{r.recordId ?? "new record"}</div>
            </TableCell>
            <TableCell align="right" className="tabular-nums">
              {r.attempts}
            </TableCell>
            <TableCell
              align="right"
              className="whitespace-nowrap text-xs text-muted"
              title={formatTime(r.createdAt)}
            >
              {formatMs(Math.max(0, now - new Date(r.createdAt).getTime()))}
            </TableCell>
            {withResolution && (
              <TableCell className="max-w-xs text-xs">
                <ResolutionBadge resolution={r.resolution} />
                <div className="mt-1 text-muted">
                  by <span className="font-medium">{r.resolvedBy ?? "unknown"}</span>,{" "}
                  {formatTime(r.resolvedAt)}
                </div>
                {r.resolutionReason && <div className="text-muted">“{r.resolutionReason}”</div>}
              </TableCell>
            )}
          </tr>
        ))}
      </TableBody>
    </TableFrame>
  );
}
