"use client";

import { useId, useState } from "react";
import type { TSecret } from "./agent-key-types";
import { formatTime } from "./format";

const GRACE_OPTIONS = [
  { minutes: 0, label: "None — current keys stop working now" },
  { minutes: 60, label: "1 hour" },
  { minutes: 60 * 24, label: "24 hours" },
  { minutes: 60 * 24 * 7, label: "7 days" },
];

const input =
  "mt-0.5 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
const primary =
  "rounded-md bg-indigo-600 px-3 py-1.5 text-xs font-medium text-white hover:bg-indigo-700 disabled:opacity-60";
const danger =
  "rounded-md bg-red-600 px-3 py-1.5 text-xs font-medium text-white hover:bg-red-700 disabled:opacity-60";
const secondary =
  "rounded-md px-3 py-1.5 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50";

/** Busy flag and server error for one form; `run` keeps the form open when the call fails. */
function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run };
}

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
      className={props.className ?? "mt-4 space-y-3 rounded-lg border border-slate-200 p-4"}
    >
      {props.children}
      {props.error && (
        <p role="alert" className="rounded-md bg-red-50 px-2 py-1 text-xs text-red-700">
          {props.error}
        </p>
      )}
    </form>
  );
}

export function CreateKeyForm(props: {
  onSubmit: (body: { label?: string; expiresInDays?: number | null }) => Promise<void>;
  onCancel: () => void;
}) {
  const id = useId();
  const [label, setLabel] = useState("");
  const [days, setDays] = useState("");
  const { busy, error, run } = useSubmit();
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
        <label htmlFor={`${id}-label`} className="block text-xs font-medium text-slate-600">
          Label (optional)
          <input
            id={`${id}-label`}
            autoFocus
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            placeholder="e.g. worker on eu-west"
            className={input}
          />
        </label>
        <label htmlFor={`${id}-days`} className="block text-xs font-medium text-slate-600">
          Expires after (days, optional)
          <input
            id={`${id}-days`}
            type="number"
            min={1}
            inputMode="numeric"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            placeholder="never"
            className={input}
          />
        </label>
      </div>
      <FormButtons
        busy={busy}
        label="Create key"
        busyLabel="Creating…"
        tone={primary}
        onCancel={props.onCancel}
      />
    </FormShell>
  );
}

export function RotateKeysForm(props: {
  affected: number;
  onSubmit: (graceMinutes: number) => Promise<void>;
  onCancel: () => void;
}) {
  const id = useId();
  const [grace, setGrace] = useState(String(60 * 24));
  const { busy, error, run } = useSubmit();
  return (
    <FormShell
      title="Rotate keys"
      error={error}
      onCancel={props.onCancel}
      onSubmit={() => run(() => props.onSubmit(Number(grace)))}
    >
      <p className="text-sm text-slate-600">
        Makes a new key now. The {props.affected} current key{props.affected === 1 ? "" : "s"} keep
        working for the grace period, so the agent can switch without downtime, then stop.
      </p>
      <label htmlFor={`${id}-grace`} className="block max-w-sm text-xs font-medium text-slate-600">
        Grace period for the current keys
        <select
          id={`${id}-grace`}
          autoFocus
          value={grace}
          onChange={(e) => setGrace(e.target.value)}
          className={input}
        >
          {GRACE_OPTIONS.map((o) => (
            <option key={o.minutes} value={o.minutes}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <FormButtons
        busy={busy}
        label="Rotate keys"
        busyLabel="Rotating…"
        tone={primary}
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
  const id = useId();
  const [reason, setReason] = useState("");
  const { busy, error, run } = useSubmit();
  return (
    <FormShell
      title={`Revoke key ${props.prefix}`}
      error={error}
      onCancel={props.onCancel}
      onSubmit={() => run(() => props.onSubmit(reason))}
      className="space-y-2"
    >
      <label htmlFor={`${id}-reason`} className="block text-xs font-medium text-slate-700">
        Why revoke <span className="font-mono">{props.prefix}…</span>? It stops working at once.
        <input
          id={`${id}-reason`}
          autoFocus
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          aria-invalid={error ? true : undefined}
          placeholder="e.g. leaked in a CI log"
          className={`${input} max-w-lg`}
        />
      </label>
      <FormButtons
        busy={busy}
        label="Revoke key"
        busyLabel="Revoking…"
        tone={danger}
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
        <button type="button" onClick={copy} className={primary}>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
        <button type="button" onClick={onDone} className={secondary}>
          Done
        </button>
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
  tone: string;
  onCancel: () => void;
}) {
  return (
    <div className="flex gap-2">
      <button type="submit" disabled={props.busy} className={props.tone}>
        {props.busy ? props.busyLabel : props.label}
      </button>
      <button type="button" onClick={props.onCancel} className={secondary}>
        Cancel
      </button>
    </div>
  );
}
