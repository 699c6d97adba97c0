import type { ReactNode } from "react";
import type { TSerialized } from "@/lib/core/serialize";
import type { TRetryPolicyRow } from "@/lib/execution/dead-letters";
import { Badge, TableBody, TableCell, TableFrame, TableHeader } from "@/components/ui";
import { formatTime } from "@/components/format";
import { ErrorClassBadge, formatMs } from "./labels";

type TRow = TSerialized<TRetryPolicyRow>;

const HANDLING: Record<TRow["handling"], string> = {
  retried: "Retried with backoff",
  back_to_approval: "Back to approval, never retried: the record changed since it was approved",
  dead_letter: "Not retried: straight to dead letters after one try",
};

/**
 * Each error class's retry rule in effect: the one table the dead-letter page shows read-only
 * and the retry-policy settings page shows with who saved it and an edit action per row.
 */
export function RetryPolicyRows({
  rows,
  label,
  testIdPrefix,
  framed = true,
  source = false,
  action,
}: {
  rows: TRow[];
  label: string;
  testIdPrefix: string;
  framed?: boolean;
  /** Show whether each rule is the default or saved, and by whom. */
  source?: boolean;
  /** An extra last cell per row (e.g. Edit); its column is shown when given. */
  action?: (row: TRow) => ReactNode;
}) {
  return (
    <TableFrame label={label} minWidth={source ? "48rem" : "40rem"} framed={framed} dense={!framed}>
      <TableHeader
        columns={[
          "Error class",
          "Handling",
          { key: "tries", label: "Max tries", align: "right" },
          { key: "wait", label: "First wait", align: "right" },
          { key: "factor", label: "Factor", align: "right" },
          { key: "cap", label: "Longest wait", align: "right" },
          ...(source ? ["Source"] : []),
          ...(action ? [""] : []),
        ]}
      />
      <TableBody>
        {rows.map((r) => (
          <tr key={r.errorClass} data-testid={`${testIdPrefix}-${r.errorClass}`}>
            <TableCell>
              <ErrorClassBadge errorClass={r.errorClass} />
              {!source && r.overridden && (
                <span className="ml-2 text-[11px] text-muted" title="Saved by an admin">
                  custom
                </span>
              )}
            </TableCell>
            <TableCell className="text-xs text-muted">{HANDLING[r.handling]}</TableCell>
            {r.tunable ? (
              <>
                <TableCell align="right" className="tabular-nums">
                  {r.maxAttempts}
                </TableCell>
                <TableCell align="right" className="tabular-nums">
                  {formatMs(r.backoffMs)}
                </TableCell>
                <TableCell align="right" className="tabular-nums">
                  ×{r.factor}
                </TableCell>
                <TableCell align="right" className="tabular-nums">
                  {formatMs(r.maxBackoffMs)}
                </TableCell>
              </>
            ) : (
              <TableCell colSpan={4} className="text-xs text-muted">
                Never retried: nothing to set
              </TableCell>
            )}
            {source && (
              <TableCell className="text-xs">
                {r.overridden ? (
                  <>
                    <Badge tone="violet">custom</Badge>{" "}
                    <span className="text-muted">
                      {r.updatedBy ?? "someone"}, {formatTime(r.updatedAt)}
                    </span>
                  </>
                ) : (
                  <Badge>default</Badge>
                )}
              </TableCell>
            )}
            {action && (
              <TableCell className="relative whitespace-nowrap text-right">{action(r)}</TableCell>
            )}
          </tr>
        ))}
      </TableBody>
    </TableFrame>
  );
}

/** How execution treated each error class before giving up: why a letter is here at all. */
export function RetryPolicyTable({ rows }: { rows: TRow[] }) {
  return (
    <section aria-labelledby="dl-policy" className="rounded-xl border border-line bg-white">
      <div className="border-b border-slate-100 px-3 py-3">
        <h2 id="dl-policy" className="text-sm font-semibold">
          Retry policy in effect
        </h2>
        <p className="mt-0.5 text-xs text-muted">
          Each failed try waits longer than the last (first wait × factor, up to the cap). When the
          tries run out, or the class is never retried, the request lands here. Internal errors and
          a create interrupted mid-flight come straight here too.
        </p>
      </div>
      <RetryPolicyRows rows={rows} label="Retry policy" testIdPrefix="policy" framed={false} />
    </section>
  );
}
