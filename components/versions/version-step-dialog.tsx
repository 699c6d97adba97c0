"use client";

import { useState } from "react";
import { Button, Dialog, Field, Textarea } from "@/components/ui";

export type TStepCopy = {
  /** the button */
  label: string;
  /** the dialog's title and description */
  title: string;
  hint: string;
  /** the dialog's submit button */
  submit: string;
  /** "Why?" or "Why? (optional)": the server insists either way */
  reasonRequired: boolean;
};

/**
 * One step of a version's life (the policy matrix's publish / roll back / discard, a workflow's
 * publish / promote / roll back / discard): a button opening a dialog that asks why, and sends.
 * The caller owns the mutation (what is sent, what happens after); `send` gets the reason and a
 * `close` to call on success. A dangerous step (`danger`) is a red button and an alertdialog.
 */
export function VersionStepDialog(props: {
  copy: TStepCopy;
  danger: boolean;
  mutation: { isPending: boolean; error: Error | null; reset: () => void };
  send: (reason: string, close: () => void) => void;
  disabledReason?: string | null;
}) {
  const { copy, danger, mutation } = props;
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");

  function submit(e: React.FormEvent) {
    e.preventDefault();
    props.send(reason, () => setOpen(false));
  }

  return (
    <>
      <Button
        variant={danger ? "danger-outline" : "primary"}
        disabled={!!props.disabledReason}
        title={props.disabledReason ?? undefined}
        onClick={() => {
          mutation.reset();
          setReason("");
          setOpen(true);
        }}
      >
        {copy.label}
      </Button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={copy.title}
        description={copy.hint}
        role={danger ? "alertdialog" : "dialog"}
      >
        <form onSubmit={submit} noValidate className="space-y-3">
          <Field
            label={copy.reasonRequired ? "Why?" : "Why? (optional)"}
            error={mutation.error?.message}
          >
            <Textarea
              autoFocus
              rows={3}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </Field>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button
              type="submit"
              variant={danger ? "danger" : "primary"}
              busy={mutation.isPending}
              busyLabel="Working…"
            >
              {copy.submit}
            </Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
