"use client";

import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { TDeadLetterDetail } from "@/lib/execution/dead-letters";
import type { TSerialized } from "@/lib/core/serialize";
import { Badge, TableFrame } from "./ui";
import { formatTime } from "./format";
import { sendJson } from "./send-json";
import { LetterActions, type TResolved } from "./dead-letter-actions";

export type { TResolved };

const CLASS_TONE: Record<string, "amber" | "red" | "violet" | "gray"> = {
  timeout: "amber",
  unavailable: "amber",
  rate_limited: "amber",
  session_expired: "amber",
  validation: "violet",
  permission: "red",
  not_found: "gray",
  conflict: "gray",
};

export function ErrorClassBadge({ errorClass }: { errorClass: string }) {
  return <Badge tone={CLASS_TONE[errorClass] ?? "red"}>{errorClass.replaceAll("_", " ")}</Badge>;
}

const RESOLUTION_TONE = { retried: "blue", rerouted: "amber", discarded: "gray" } as const;

export function ResolutionBadge({ resolution }: { resolution: string | null }) {
  if (!resolution) return <Badge tone="red">Open</Badge>;
  return (
    <Badge tone={RESOLUTION_TONE[resolution as keyof typeof RESOLUTION_TONE] ?? "gray"}>
      {resolution}
    </Badge>
  );
}

/** 120 ms, 5 s, 10 min, 1 h: the waits of the retry policy and the age of a letter. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  return `${Math.floor(ms / 86_400_000)} d`;
}

type TDetail = TSerialized<TDeadLetterDetail>;

/** A field value as a person reads it: strings bare, nothing as a dash, the rest as JSON. */
function show(v: unknown) {
  if (v === null || v === undefined) return <span className="text-slate-400">—</span>;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * One dead-lettered request in a side panel (a modal dialog): the error, the field diff, every
 * try with its Salesforce calls, the audit timeline, and — for people who may — the three ways
 * out, each with a reason the server insists on.
 */
export function DeadLetterDetail(props: {
  requestId: string;
  canWrite: boolean;
  onClose: () => void;
  onResolved: (result: TResolved) => void;
  /** the letter changed under us (someone else resolved it): the list should reload */
  onStale: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [detail, setDetail] = useState<TDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const id = useId();
  const { requestId, onClose } = props;

  const load = useCallback(async () => {
    try {
      setDetail(await sendJson<TDetail>(`/api/internal/dead-letters/${requestId}`));
      setLoadError(null);
    } catch (e) {
      setLoadError((e as Error).message);
    }
  }, [requestId]);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    void load();
  }, [load]);

  const letter = detail?.deadLetter;
  return (
    <dialog
      ref={dialog}
      aria-labelledby={`${id}-title`}
      onClose={onClose}
      onClick={(e) => {
        // a click on the backdrop lands on the dialog element itself
        if (e.target === dialog.current) dialog.current?.close();
      }}
      className="fixed inset-y-0 right-0 left-auto m-0 h-dvh max-h-dvh w-full max-w-3xl overflow-y-auto bg-white p-0 shadow-2xl backdrop:bg-slate-900/30"
    >
      <div className="min-h-full space-y-6 p-6">
        <div className="flex items-start justify-between gap-4">
          <div>
            <h2 id={`${id}-title`} className="text-lg font-semibold">
              Dead letter{letter ? ` · ${letter.actionType ?? letter.object}` : ""}
            </h2>
            <div className="font-mono text-xs text-slate-500">{requestId}</div>
          </div>
          <button
            type="button"
            autoFocus
            onClick={() => dialog.current?.close()}
            className="rounded-md bg-white px-3 py-1.5 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            Close
          </button>
        </div>

        {loadError && (
          <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
            Could not load this dead letter: {loadError}
          </p>
        )}
        {!detail && !loadError && <p className="text-sm text-slate-500">Loading…</p>}

        {detail && letter && (
          <>
            <section aria-label="Error" className="rounded-lg border border-red-200 bg-red-50 p-4">
              <div className="flex flex-wrap items-center gap-2">
                <ErrorClassBadge errorClass={letter.errorClass} />
                {letter.errorCode && (
                  <span className="font-mono text-xs text-red-800">{letter.errorCode}</span>
                )}
                <ResolutionBadge resolution={letter.resolution} />
              </div>
              <p data-testid="dl-error" className="mt-2 text-sm text-red-900">
                {letter.errorMessage}
              </p>
              <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-xs text-slate-700">
                <dt className="text-slate-500">Agent</dt>
                <dd>
                  {letter.agent} ({letter.environment})
                </dd>
                <dt className="text-slate-500">Record</dt>
                <dd>
                  {letter.object} <span className="font-mono">{letter.recordId ?? "new"}</span>
                </dd>
                <dt className="text-slate-500">Dead-lettered</dt>
                <dd>
                  {formatTime(letter.createdAt)} after {letter.attempts}{" "}
                  {letter.attempts === 1 ? "try" : "tries"}
                </dd>
                {detail.request.reasonText && (
                  <>
                    <dt className="text-slate-500">Agent&apos;s reason</dt>
                    <dd>
                      {detail.request.reasonCode && (
                        <span className="font-mono">{detail.request.reasonCode}: </span>
                      )}
                      {detail.request.reasonText}
                    </dd>
                  </>
                )}
              </dl>
              {letter.resolvedAt && (
                <p data-testid="dl-resolution" className="mt-3 text-xs text-slate-700">
                  {letter.resolution} by{" "}
                  <span className="font-medium">{letter.resolvedBy ?? "unknown"}</span> at{" "}
                  {formatTime(letter.resolvedAt)}
                  {letter.resolutionReason && <> — “{letter.resolutionReason}”</>}
                </p>
              )}
            </section>

            {!letter.resolvedAt &&
              (props.canWrite ? (
                <LetterActions
                  requestId={requestId}
                  onResolved={props.onResolved}
                  onFailed={() => {
                    void load();
                    props.onStale();
                  }}
                />
              ) : (
                <p className="text-xs text-slate-500">
                  Only admins and ops owners retry, re-route or discard dead letters.
                </p>
              ))}

            <FieldDiff rows={detail.fieldChanges} />
            <Attempts rows={detail.attempts} />
            <Timeline rows={detail.events} />
          </>
        )}
      </div>
    </dialog>
  );
}

function FieldDiff({ rows }: { rows: TDetail["fieldChanges"] }) {
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

function Attempts({ rows }: { rows: TDetail["attempts"] }) {
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

function Timeline({ rows }: { rows: TDetail["events"] }) {
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
