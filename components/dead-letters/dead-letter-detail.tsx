"use client";

import { useEffect, useId, useRef } from "react";
import { formatTime } from "@/components/format";
import { ErrorClassBadge, ResolutionBadge } from "./labels";
import { LetterActions, type TResolved } from "./letter-actions";
import { Attempts, FieldDiff, Timeline } from "./letter-history";
import { useDeadLetter } from "./queries";

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
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { data: detail, error } = useDeadLetter(props.requestId);
  const loadError = error ? error.message : null;
  const id = useId();
  const { requestId, onClose } = props;

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

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
                <LetterActions requestId={requestId} onResolved={props.onResolved} />
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
