"use client";

import { useEffect, useRef, useState } from "react";
import { Button, Field, Textarea, type TButtonProps } from "@/components/ui";
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
    variant: TButtonProps["variant"];
  }
> = {
  retry: {
    label: "Retry",
    question: "Why retry this request?",
    hint: "It runs again with a fresh budget of tries. Fix the cause first, or it lands here again.",
    submit: "Retry request",
    placeholder: "e.g. the validation rule was relaxed in Salesforce",
    done: "is queued to run again",
    variant: "primary",
  },
  reroute: {
    label: "Re-route to approval",
    question: "Why send it back to an approver?",
    hint: "An approver decides again; earlier approvals no longer count.",
    submit: "Send to approval",
    placeholder: "e.g. the amount needs a second look",
    done: "went back to approval",
    variant: "primary",
  },
  discard: {
    label: "Discard",
    question: "Why discard this request?",
    hint: "It ends here; nothing is written to Salesforce.",
    submit: "Discard request",
    placeholder: "e.g. the rep already made this change by hand",
    done: "was discarded",
    variant: "danger",
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
  const { reset } = resolve;
  const formRef = useRef<HTMLFormElement>(null);

  function choose(next: TAction | null) {
    setAction(next);
    setReason("");
    reset();
  }

  // Escape in the reason form closes the form, not the whole panel. The panel listens for
  // Escape on the document in the capture phase; this listener on the window runs first, and a
  // prevented Escape leaves the panel open.
  useEffect(() => {
    if (!action) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || !formRef.current?.contains(e.target as Node)) return;
      e.preventDefault();
      setAction(null);
      setReason("");
      reset();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [action, reset]);

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
          <Button
            key={k}
            variant={action === k ? "primary" : "secondary"}
            aria-pressed={action === k}
            onClick={() => choose(action === k ? null : k)}
          >
            {ACTIONS[k].label}
          </Button>
        ))}
      </div>
      {a && (
        <form
          ref={formRef}
          onSubmit={submit}
          noValidate
          className="space-y-2 rounded-lg border border-line bg-slate-50 p-3"
        >
          <Field label={a.question} hint={a.hint} error={error}>
            <Textarea
              autoFocus
              rows={3}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              placeholder={a.placeholder}
            />
          </Field>
          <div className="flex gap-2">
            <Button type="submit" variant={a.variant} busy={busy} busyLabel="Working…">
              {a.submit}
            </Button>
            <Button variant="secondary" onClick={() => choose(null)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}
