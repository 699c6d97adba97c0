import { TableFrame } from "@/components/ui";
import { ErrorClassBadge, formatMs } from "./labels";
import type { TLetterList } from "./queries";

/** How execution treated each error class before giving up: why a letter is here at all. */
export function RetryPolicyTable({ rows }: { rows: TLetterList["retryPolicy"] }) {
  return (
    <section aria-labelledby="dl-policy" className="rounded-xl border border-slate-200 bg-white">
      <div className="border-b border-slate-100 px-4 py-3">
        <h2 id="dl-policy" className="text-sm font-semibold">
          Retry policy in effect
        </h2>
        <p className="mt-0.5 text-xs text-slate-500">
          Each failed try waits longer than the last (first wait × factor, up to the cap). When the
          tries run out, or the class is never retried, the request lands here. Internal errors and
          a create interrupted mid-flight come straight here too.
        </p>
      </div>
      <TableFrame label="Retry policy" minWidth="40rem" framed={false}>
        <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="px-4 py-2 font-medium">Error class</th>
            <th className="px-4 py-2 font-medium">Handling</th>
            <th className="px-4 py-2 text-right font-medium">Max tries</th>
            <th className="px-4 py-2 text-right font-medium">First wait</th>
            <th className="px-4 py-2 text-right font-medium">Factor</th>
            <th className="px-4 py-2 text-right font-medium">Cap</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={r.errorClass} data-testid={`policy-${r.errorClass}`}>
              <td className="px-4 py-2">
                <ErrorClassBadge errorClass={r.errorClass} />
                {r.overridden && (
                  <span className="ml-2 text-[11px] text-slate-500" title="Saved by an admin">
                    custom
                  </span>
                )}
              </td>
              {r.handling === "retried" ? (
                <>
                  <td className="px-4 py-2 text-xs text-slate-600">Retried with backoff</td>
                  <td className="px-4 py-2 text-right tabular-nums">{r.maxAttempts}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{formatMs(r.backoffMs)}</td>
                  <td className="px-4 py-2 text-right tabular-nums">×{r.factor}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{formatMs(r.maxBackoffMs)}</td>
                </>
              ) : (
                <td colSpan={5} className="px-4 py-2 text-xs text-slate-600">
                  {r.handling === "back_to_approval"
                    ? "Back to approval, never retried: the record changed since it was approved"
                    : "Not retried: straight to dead letters after one try"}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </TableFrame>
    </section>
  );
}
