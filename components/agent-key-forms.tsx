"use client";

import { useState } from "react";
import type { TSecret } from "./agent-key-types";
import { formatTime } from "./format";
import { Alert, Button, Field, Input, Select, useAction } from "./ui";

const GRACE_OPTIONS = [
  { minutes: 0, label: "None — current keys stop working now" },
  { minutes: 60, label: "1 hour" },
  { minutes: 60 * 24, label: "24 hours" },
  { minutes: 60 * 24 * 7, label: "7 days" },
];

/**
 * A key form: its busy state and server error (the form stays open when the call fails), the
 * Submit + Cancel pair, and Escape to cancel. `children` may read the error to mark a field.
 */
function KeyForm(props: {
  title: string;
  submit: { label: string; busyLabel: string; variant?: "primary" | "danger" };
  onSubmit: () => Promise<void>;
  onCancel: () => void;
  className?: string;
  children: React.ReactNode | ((error: string | null) => React.ReactNode);
}) {
  const { busy, error, run } = useAction();
  return (
    <form
      aria-label={props.title}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void run(props.onSubmit);
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") props.onCancel();
      }}
      className={props.className ?? "mt-4 space-y-3 rounded-lg border border-line p-4"}
    >
      {typeof props.children === "function" ? props.children(error) : props.children}
      <div className="flex gap-2">
        <Button
          type="submit"
          variant={props.submit.variant}
          busy={busy}
          busyLabel={props.submit.busyLabel}
        >
          {props.submit.label}
        </Button>
        <Button variant="secondary" onClick={props.onCancel}>
          Cancel
        </Button>
      </div>
      {error && (
        <Alert tone="error" size="sm">
          {error}
        </Alert>
      )}
    </form>
  );
}

/** What a key panel hands a form: the call to make with the form's value, and how to close. */
type TKeyFormProps<T> = { onSubmit: (value: T) => Promise<void>; onCancel: () => void };

export function CreateKeyForm(
  props: TKeyFormProps<{ label?: string; expiresInDays?: number | null }>,
) {
  const [label, setLabel] = useState("");
  const [days, setDays] = useState("");
  return (
    <KeyForm
      title="Create key"
      submit={{ label: "Create key", busyLabel: "Creating…" }}
      onCancel={props.onCancel}
      onSubmit={() =>
        props.onSubmit({
          label: label.trim() || undefined,
          expiresInDays: days.trim() ? Number(days) : null,
        })
      }
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Label (optional)">
          <Input
            autoFocus
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            placeholder="e.g. worker on eu-west"
          />
        </Field>
        <Field label="Expires after (days, optional)">
          <Input
            type="number"
            min={1}
            inputMode="numeric"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            placeholder="never"
          />
        </Field>
      </div>
    </KeyForm>
  );
}

/** The value is the grace period in minutes. */
export function RotateKeysForm(props: TKeyFormProps<number> & { affected: number }) {
  const [grace, setGrace] = useState(String(60 * 24));
  return (
    <KeyForm
      title="Rotate keys"
      submit={{ label: "Rotate keys", busyLabel: "Rotating…" }}
      onCancel={props.onCancel}
      onSubmit={() => props.onSubmit(Number(grace))}
    >
      <p className="text-sm text-muted">
        Makes a new key now. The {props.affected} current key{props.affected === 1 ? "" : "s"} keep
        working for the grace period, so the agent can switch without downtime, then stop.
      </p>
      <Field label="Grace period for the current keys" className="max-w-sm">
        <Select autoFocus value={grace} onChange={(e) => setGrace(e.target.value)}>
          {GRACE_OPTIONS.map((o) => (
            <option key={o.minutes} value={o.minutes}>
              {o.label}
            </option>
          ))}
        </Select>
      </Field>
    </KeyForm>
  );
}

/** The value is the reason. */
export function RevokeKeyForm(props: TKeyFormProps<string> & { prefix: string }) {
  const [reason, setReason] = useState("");
  return (
    <KeyForm
      title={`Revoke key ${props.prefix}`}
      submit={{ label: "Revoke key", busyLabel: "Revoking…", variant: "danger" }}
      onCancel={props.onCancel}
      onSubmit={() => props.onSubmit(reason)}
      className="space-y-2"
    >
      {(error) => (
        <Field
          label={
            <>
              Why revoke <span className="font-mono">{props.prefix}…</span>? It stops working at
              once.
            </>
          }
          className="max-w-lg"
        >
          <Input
            autoFocus
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={error ? true : undefined}
            placeholder="e.g. leaked in a CI log"
          />
        </Field>
      )}
    </KeyForm>
  );
}

/** The one time a key's plaintext is on screen. */
export function NewKeySecret({ secret, onDone }: { secret: TSecret; onDone: () => void }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret.plaintext);
      setCopied("yes");
    } catch {
      // clipboard access can be refused (permissions, plain http); the key is selectable
      setCopied("failed");
    }
  }
  return (
    <div
      role="status"
      data-testid="new-key"
      className="mt-4 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm"
    >
      <p className="font-medium text-amber-900">
        Copy this key now — it won&apos;t be shown again.
      </p>
      <p className="mt-0.5 text-xs text-amber-800">
        Tollgate keeps only its prefix and a hash. If it is lost, rotate or create another.
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code
          data-testid="new-key-plaintext"
          className="select-all break-all rounded-md bg-white px-2 py-1.5 font-mono text-xs ring-1 ring-amber-200"
        >
          {secret.plaintext}
        </code>
        <Button onClick={copy}>{copied === "yes" ? "Copied" : "Copy"}</Button>
        <Button variant="secondary" onClick={onDone}>
          Done
        </Button>
      </div>
      {copied === "failed" && (
        <p className="mt-2 text-xs text-amber-800">
          The browser refused the clipboard; select the key and copy it by hand.
        </p>
      )}
      {secret.graceUntil !== undefined && (
        <p data-testid="rotation-grace" className="mt-2 text-xs text-amber-900">
          {secret.graceUntil && new Date(secret.graceUntil) > new Date()
            ? `The previous keys keep working until ${formatTime(secret.graceUntil)}.`
            : "The previous keys stopped working now."}
        </p>
      )}
    </div>
  );
}
