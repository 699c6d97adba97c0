"use client";

import { useId, useState } from "react";
import { useResolveDeadLetter, type TLetterAction as TAction } from "./queries";

export type TResolved = { requestId: string; status: string; message: string };

const ACTIONS: Record<
  TAction,
  {
    label: string;
    question: string;
    hint: string;
    submit: string;
    placeholder: string;
    done: string;
    tone: string;
  }
> = {
  retry: {
    label: "Retry",
    question: "Why retry this request?",
    hint: "It runs again with a fresh budget of tries. Fix the cause first, or it lands here again.",
    submit: "Retry request",
    placeholder: "e.g. the validation rule was relaxed in Salesforce",
    done: "is queued to run again",
    tone: "bg-slate-900 text-white hover:bg-slate-700",
  },
  reroute: {
    label: "Re-route to approval",
    question: "Why send it back to an approver?",
    hint: "An approver decides again; earlier approvals no longer count.",
    submit: "Send to approval",
    placeholder: "e.g. the amount needs a second look",
    done: "went back to approval",
    tone: "bg-amber-600 text-white hover:bg-amber-700",
  },
  discard: {
    label: "Discard",
    question: "Why discard this request?",
    hint: "It ends here; nothing is written to Salesforce.",
    submit: "Discard request",
    placeholder: "e.g. the rep already made this change by hand",
    done: "was discarded",
    tone: "bg-red-600 text-white hover:bg-red-700",
  },
};

/**
 * Retry, re-route to approval, or discard one dead letter. Each opens a form for the reason;
 * the server insists on it (3 characters or more) and its answer shows next to the field.
 */
export function LetterActions(props: {
  requestId: string;
  onResolved: (result: TResolved) => void;
}) {
  const [action, setAction] = useState<TAction | null>(null);
  const [reason, setReason] = useState("");
  const resolve = useResolveDeadLetter(props.requestId);
  const error = resolve.error?.message ?? null;
  const busy = resolve.isPending;
  const id = useId();

  function choose(next: TAction | null) {
    setAction(next);
    setReason("");
    resolve.reset();
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!action) return;
    resolve.mutate(
      { action, reason },
      {
        onSuccess: (res) =>
          props.onResolved({
            requestId: res.id,
            status: res.status,
            message: `${res.id} ${ACTIONS[action].done}.`,
          }),
      },
    );
  }

  const a = action ? ACTIONS[action] : null;
  return (
    <section aria-label="Resolve" className="space-y-3">
      <div className="flex flex-wrap gap-2">
        {(Object.keys(ACTIONS) as TAction[]).map((k) => (
          <button
            key={k}
            type="button"
            aria-pressed={action === k}
            onClick={() => choose(action === k ? null : k)}
            className={`rounded-md px-3 py-1.5 text-xs font-medium ring-1 ${action === k ? "bg-slate-100 ring-slate-400" : "bg-white ring-slate-300 hover:bg-slate-50"}`}
          >
            {ACTIONS[k].label}
          </button>
        ))}
      </div>
      {a && (
        <form
          onSubmit={submit}
          noValidate
          onKeyDown={(e) => {
            // Escape closes this form, not the whole panel
            if (e.key === "Escape") {
              e.preventDefault();
              choose(null);
            }
          }}
          className="space-y-2 rounded-lg border border-slate-200 bg-slate-50 p-3"
        >
          <label htmlFor={`${id}-reason`} className="block text-xs font-medium text-slate-700">
            {a.question}
          </label>
          <p className="text-xs text-slate-500">{a.hint}</p>
          <textarea
            id={`${id}-reason`}
            autoFocus
            rows={3}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            placeholder={a.placeholder}
            className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
          />
          {error && (
            <p
              id={`${id}-error`}
              role="alert"
              className="rounded-md bg-red-50 px-2 py-1 text-xs text-red-700"
            >
              {error}
            </p>
          )}
          <div className="flex gap-2">
            <button
              type="submit"
              disabled={busy}
              className={`rounded-md px-3 py-1.5 text-xs font-medium disabled:opacity-60 ${a.tone}`}
            >
              {busy ? "Working…" : a.submit}
            </button>
            <button
              type="button"
              onClick={() => choose(null)}
              className="rounded-md bg-white px-3 py-1.5 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
            >
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
