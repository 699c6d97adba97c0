import { TableBody, TableCell, TableFrame, TableHeader } from "@/components/ui";
import { ErrorClassBadge, formatMs } from "./labels";
import type { TLetterList } from "./queries";

/** How execution treated each error class before giving up: why a letter is here at all. */
export function RetryPolicyTable({ rows }: { rows: TLetterList["retryPolicy"] }) {
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
      <TableFrame label="Retry policy" minWidth="40rem" framed={false} dense>
        <TableHeader
          columns={[
            "Error class",
            "Handling",
            { key: "tries", label: "Max tries", align: "right" },
            { key: "wait", label: "First wait", align: "right" },
            { key: "factor", label: "Factor", align: "right" },
            { key: "cap", label: "Cap", align: "right" },
          ]}
        />
        <TableBody>
          {rows.map((r) => (
            <tr key={r.errorClass} data-testid={`policy-${r.errorClass}`}>
              <TableCell>
                <ErrorClassBadge errorClass={r.errorClass} />
                {r.overridden && (
                  <span className="ml-2 text-[11px] text-muted" title="Saved by an admin">
                    custom
                  </span>
                )}
              </TableCell>
              {r.handling === "retried" ? (
                <>
                  <TableCell className="text-xs text-muted">Retried with backoff</TableCell>
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
                <TableCell colSpan={5} className="text-xs text-muted">
                  {r.handling === "back_to_approval"
                    ? "Back to approval, never retried: the record changed since it was approved"
                    : "Not retried: straight to dead letters after one try"}
                </TableCell>
              )}
            </tr>
          ))}
        </TableBody>
      </TableFrame>
    </section>
  );
}
