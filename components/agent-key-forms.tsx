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

function FormShell(props: {
  title: string;
  onSubmit: () => void;
  onCancel: () => void;
  error: string | null;
  children: React.ReactNode;
  className?: string;
}) {
  return (
    <form
      aria-label={props.title}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") props.onCancel();
      }}
      className={props.className ?? "mt-4 space-y-3 rounded-lg border border-line p-4"}
    >
      {props.children}
      {props.error && (
        <Alert tone="error" size="sm">
          {props.error}
        </Alert>
      )}
    </form>
  );
}

export function CreateKeyForm(props: {
  onSubmit: (body: { label?: string; expiresInDays?: number | null }) => Promise<void>;
  onCancel: () => void;
}) {
  const [label, setLabel] = useState("");
  const [days, setDays] = useState("");
  const { busy, error, run } = useAction();
  return (
    <FormShell
      title="Create key"
      error={error}
      onCancel={props.onCancel}
      onSubmit={() =>
        run(() =>
          props.onSubmit({
            label: label.trim() || undefined,
            expiresInDays: days.trim() ? Number(days) : null,
          }),
        )
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
      <FormButtons busy={busy} label="Create key" busyLabel="Creating…" onCancel={props.onCancel} />
    </FormShell>
  );
}

export function RotateKeysForm(props: {
  affected: number;
  onSubmit: (graceMinutes: number) => Promise<void>;
  onCancel: () => void;
}) {
  const [grace, setGrace] = useState(String(60 * 24));
  const { busy, error, run } = useAction();
  return (
    <FormShell
      title="Rotate keys"
      error={error}
      onCancel={props.onCancel}
      onSubmit={() => run(() => props.onSubmit(Number(grace)))}
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
      <FormButtons
        busy={busy}
        label="Rotate keys"
        busyLabel="Rotating…"
        onCancel={props.onCancel}
      />
    </FormShell>
  );
}

export function RevokeKeyForm(props: {
  prefix: string;
  onSubmit: (reason: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState("");
  const { busy, error, run } = useAction();
  return (
    <FormShell
      title={`Revoke key ${props.prefix}`}
      error={error}
      onCancel={props.onCancel}
      onSubmit={() => run(() => props.onSubmit(reason))}
      className="space-y-2"
    >
      <Field
        label={
          <>
            Why revoke <span className="font-mono">{props.prefix}…</span>? It stops working at once.
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
      <FormButtons
        busy={busy}
        label="Revoke key"
        busyLabel="Revoking…"
        variant="danger"
        onCancel={props.onCancel}
      />
    </FormShell>
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

/** Submit + Cancel, the same on every key form. */
function FormButtons(props: {
  busy: boolean;
  label: string;
  busyLabel: string;
  variant?: "primary" | "danger";
  onCancel: () => void;
}) {
  return (
    <div className="flex gap-2">
      <Button type="submit" variant={props.variant} busy={props.busy} busyLabel={props.busyLabel}>
        {props.label}
      </Button>
      <Button variant="secondary" onClick={props.onCancel}>
        Cancel
      </Button>
    </div>
  );
}
