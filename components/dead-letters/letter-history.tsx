import { Badge, TableBody, TableCell, TableFrame, TableHeader } from "@/components/ui";
import { formatTime } from "@/components/format";
import { RequestOrigin } from "@/components/request-origin";
import { ErrorClassBadge, formatMs } from "./labels";
import type { TLetterDetail } from "./queries";

/** A field value as a person reads it: strings bare, nothing as a dash, the rest as JSON. */
function show(v: unknown) {
  if (v === null || v === undefined) return <span className="text-muted">—</span>;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** A titled part of the letter's story, named by its heading. */
function HistorySection({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: React.ReactNode;
}) {
  return (
    <section aria-labelledby={id}>
      <h3 id={id} className="mb-2 text-sm font-semibold">
        {title}
      </h3>
      {children}
    </section>
  );
}

export function FieldDiff({ rows }: { rows: TLetterDetail["fieldChanges"] }) {
  return (
    <HistorySection id="dl-fields" title="Field changes">
      {rows.length === 0 ? (
        <p className="text-xs text-muted">No field changes recorded.</p>
      ) : (
        <TableFrame label="Field diff" minWidth="36rem" dense tableClassName="text-xs">
          <TableHeader columns={["Field", "When proposed", "Proposed", "At approval", "Applied"]} />
          <TableBody>
            {rows.map((f) => (
              <tr key={f.field} className="align-top">
                <TableCell className="font-mono">{f.field}</TableCell>
                <TableCell className="text-muted">{show(f.oldValue)}</TableCell>
                <TableCell className="font-medium">{show(f.newValue)}</TableCell>
                <TableCell className="text-muted">{show(f.valueAtApproval)}</TableCell>
                <TableCell className="text-muted">{show(f.appliedValue)}</TableCell>
              </tr>
            ))}
          </TableBody>
        </TableFrame>
      )}
    </HistorySection>
  );
}

export function Attempts({ rows }: { rows: TLetterDetail["attempts"] }) {
  return (
    <HistorySection id="dl-attempts" title="Execution tries">
      {rows.length === 0 ? (
        <p className="text-xs text-muted">It never reached Salesforce.</p>
      ) : (
        <ol className="space-y-2" data-testid="dl-attempts">
          {rows.map((a) => (
            <li key={a.attemptNumber} className="rounded-lg border border-line p-3 text-xs">
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium">Try {a.attemptNumber}</span>
                <Badge tone={a.outcome === "succeeded" ? "green" : "red"}>
                  {a.outcome ?? "unfinished"}
                </Badge>
                {a.errorClass && <ErrorClassBadge errorClass={a.errorClass} />}
                {a.errorCode && <span className="font-mono text-muted">{a.errorCode}</span>}
                <span className="text-muted">
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
                    <li key={i} className={c.ok === false ? "text-red-700" : "text-muted"}>
                      <span className="inline-block w-12">{c.method ?? c.op}</span>{" "}
                      <span className="break-all">{c.path ?? "—"}</span>{" "}
                      <span className="font-semibold">
                        {c.status ?? (c.ok === false ? (c.code ?? "failed") : "ok")}
                      </span>
                      {c.ms !== null && <span className="text-muted"> {c.ms} ms</span>}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </HistorySection>
  );
}

/**
 * One audit event as a timeline line: when, what, by whom, a connector call's method, path and
 * answer, the reason, where a person's action came from. `lead` goes before the action (a lane),
 * `tail` after the actor (a seal status).
 */
export function TimelineEntry({
  e,
  lead,
  tail,
}: {
  e: TLetterDetail["events"][number];
  lead?: React.ReactNode;
  tail?: React.ReactNode;
}) {
  return (
    <li>
      <span className="text-muted">{formatTime(e.createdAt)}</span> {lead}
      <span className="font-mono">{e.action}</span> <span className="text-muted">by {e.actor}</span>
      {tail}
      {e.call && (
        <span className="break-all font-mono text-muted">
          {" "}
          {e.call.method} {e.call.path}{" "}
          {e.call.status ?? (e.call.ok === false ? (e.call.code ?? "failed") : "ok")}
        </span>
      )}
      {e.reasonText && <div className="text-muted">“{e.reasonText}”</div>}
      <RequestOrigin context={e.context} />
    </li>
  );
}

export function Timeline({ rows }: { rows: TLetterDetail["events"] }) {
  return (
    <HistorySection id="dl-timeline" title="Audit timeline">
      <ol className="space-y-1 border-l border-line pl-4 text-xs" data-testid="dl-timeline">
        {rows.map((e) => (
          <TimelineEntry key={e.id} e={e} />
        ))}
      </ol>
    </HistorySection>
  );
}
