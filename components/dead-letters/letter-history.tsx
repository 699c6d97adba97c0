import { Badge, TableFrame } from "@/components/ui";
import { formatTime } from "@/components/format";
import { ErrorClassBadge, formatMs } from "./labels";
import type { TLetterDetail } from "./queries";

/** A field value as a person reads it: strings bare, nothing as a dash, the rest as JSON. */
function show(v: unknown) {
  if (v === null || v === undefined) return <span className="text-slate-400">—</span>;
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function FieldDiff({ rows }: { rows: TLetterDetail["fieldChanges"] }) {
  return (
    <section aria-labelledby="dl-fields">
      <h3 id="dl-fields" className="mb-2 text-sm font-semibold">
        Field changes
      </h3>
      {rows.length === 0 ? (
        <p className="text-xs text-slate-500">No field changes recorded.</p>
      ) : (
        <TableFrame label="Field diff" minWidth="36rem" tableClassName="text-xs">
          <thead className="bg-slate-50 text-left uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2 font-medium">Field</th>
              <th className="px-3 py-2 font-medium">When proposed</th>
              <th className="px-3 py-2 font-medium">Proposed</th>
              <th className="px-3 py-2 font-medium">At approval</th>
              <th className="px-3 py-2 font-medium">Applied</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((f) => (
              <tr key={f.field} className="align-top">
                <td className="px-3 py-2 font-mono">{f.field}</td>
                <td className="px-3 py-2 text-slate-600">{show(f.oldValue)}</td>
                <td className="px-3 py-2 font-medium">{show(f.newValue)}</td>
                <td className="px-3 py-2 text-slate-600">{show(f.valueAtApproval)}</td>
                <td className="px-3 py-2 text-slate-600">{show(f.appliedValue)}</td>
              </tr>
            ))}
          </tbody>
        </TableFrame>
      )}
    </section>
  );
}

export function Attempts({ rows }: { rows: TLetterDetail["attempts"] }) {
  return (
    <section aria-labelledby="dl-attempts">
      <h3 id="dl-attempts" className="mb-2 text-sm font-semibold">
        Execution tries
      </h3>
      {rows.length === 0 ? (
        <p className="text-xs text-slate-500">It never reached Salesforce.</p>
      ) : (
        <ol className="space-y-2" data-testid="dl-attempts">
          {rows.map((a) => (
            <li key={a.attemptNumber} className="rounded-lg border border-slate-200 p-3 text-xs">
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium">Try {a.attemptNumber}</span>
                <Badge tone={a.outcome === "succeeded" ? "green" : "red"}>
                  {a.outcome ?? "unfinished"}
                </Badge>
                {a.errorClass && <ErrorClassBadge errorClass={a.errorClass} />}
                {a.errorCode && <span className="font-mono text-slate-500">{a.errorCode}</span>}
                <span className="text-slate-500">
                  {formatTime(a.startedAt)}
                  {a.finishedAt &&
                    ` · ${formatMs(new Date(a.finishedAt).getTime() - new Date(a.startedAt).getTime())}`}
                  {a.workerId && ` · ${a.workerId}`}
                </span>
              </div>
              {a.errorMessage && <p className="mt-1 text-red-800">{a.errorMessage}</p>}
              {a.calls.length > 0 && (
                <ul className="mt-2 space-y-0.5 font-mono text-[11px]">
                  {a.calls.map((c, i) => (
                    <li key={i} className={c.ok === false ? "text-red-700" : "text-slate-600"}>
                      <span className="inline-block w-12">{c.method ?? c.op}</span>{" "}
                      <span className="break-all">{c.path ?? "—"}</span>{" "}
                      <span className="font-semibold">
                        {c.status ?? (c.ok === false ? (c.code ?? "failed") : "ok")}
                      </span>
                      {c.ms !== null && <span className="text-slate-400"> {c.ms} ms</span>}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function Timeline({ rows }: { rows: TLetterDetail["events"] }) {
  return (
    <section aria-labelledby="dl-timeline">
      <h3 id="dl-timeline" className="mb-2 text-sm font-semibold">
        Audit timeline
      </h3>
      <ol className="space-y-1 border-l border-slate-200 pl-4 text-xs" data-testid="dl-timeline">
        {rows.map((e) => (
          <li key={e.id}>
            <span className="text-slate-500">{formatTime(e.createdAt)}</span>{" "}
            <span className="font-mono">{e.action}</span>{" "}
            <span className="text-slate-500">by {e.actor}</span>
            {e.call && (
              <span className="break-all font-mono text-slate-500">
                {" "}
                {e.call.method} {e.call.path}{" "}
                {e.call.status ?? (e.call.ok === false ? (e.call.code ?? "failed") : "ok")}
              </span>
            )}
            {e.reasonText && <div className="text-slate-600">“{e.reasonText}”</div>}
          </li>
        ))}
      </ol>
    </section>
  );
}
