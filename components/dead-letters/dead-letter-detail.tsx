"use client";

import { Alert, Drawer } from "@/components/ui";
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
  const { data: detail, error } = useDeadLetter(props.requestId);
  const loadError = error ? error.message : null;
  const { requestId, onClose } = props;

  const letter = detail?.deadLetter;
  return (
    <Drawer
      open
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      title={`Dead letter${letter ? ` · ${letter.actionType ?? letter.object}` : ""}`}
      description={<span className="font-mono text-xs">{requestId}</span>}
    >
      <div className="space-y-6">
        {loadError && <Alert tone="error">Could not load this dead letter: {loadError}</Alert>}
        {!detail && !loadError && <p className="text-sm text-muted">Loading…</p>}

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
              <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-xs text-fg">
                <dt className="text-muted">Agent</dt>
                <dd>
                  {letter.agent} ({letter.environment})
                </dd>
                <dt className="text-muted">Record</dt>
                <dd>
                  {letter.object} <span className="font-mono">{letter.recordId ?? "new"}</span>
                </dd>
                <dt className="text-muted">Dead-lettered</dt>
                <dd>
                  {formatTime(letter.createdAt)} after {letter.attempts}{" "}
                  {letter.attempts === 1 ? "try" : "tries"}
                </dd>
                {detail.request.reasonText && (
                  <>
                    <dt className="text-muted">Agent&apos;s reason</dt>
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
                <p data-testid="dl-resolution" className="mt-3 text-xs text-fg">
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
                <p className="text-xs text-muted">
                  Only admins and ops owners retry, re-route or discard dead letters.
                </p>
              ))}

            <FieldDiff rows={detail.fieldChanges} />
            <Attempts rows={detail.attempts} />
            <Timeline rows={detail.events} />
          </>
        )}
      </div>
    </Drawer>
  );
}
