"use client";

import { useId, useRef, useState } from "react";
import { sendJson } from "./send-json";
import type { TSwitchRow } from "./kill-switch-types";

type TMode = "closed" | "form" | "confirm";

/**
 * Trip / Reset for one switch: a reason is always required (the server says so), and tripping
 * the global switch asks once more, because it stops every agent everywhere.
 */
export function KillSwitchControls({
  row,
  onChanged,
  buttonCell,
  panelCell,
}: {
  row: TSwitchRow;
  onChanged: () => Promise<void>;
  /** classes of the two grid cells this renders: the button, and the form / result under it */
  buttonCell: string;
  panelCell: string;
}) {
  const [mode, setMode] = useState<TMode>("closed");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const id = useId();
  const action = row.engaged ? "reset" : "trip";
  const isGlobal = row.scope === "global";
  const verb = action === "trip" ? "Trip" : "Reset";

  function open() {
    setMode("form");
    setReason("");
    setError(null);
    setMessage(null);
  }

  function close() {
    setMode("closed");
    setError(null);
    // back to the button that opened the form, so keyboard users keep their place
    requestAnimationFrame(() => toggle.current?.focus());
  }

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const body = { scope: row.scope, ...(row.target ? { target: row.target } : {}), reason };
      const res = await sendJson<{ killSwitch: { halted?: number } }>(
        `/api/internal/kill-switches/${action}`,
        "POST",
        body,
      );
      const halted = res.killSwitch.halted ?? 0;
      // show the result only once the rows below say the same thing
      await onChanged();
      setMessage(
        action === "trip"
          ? `Tripped. ${halted} queued request${halted === 1 ? "" : "s"} halted.`
          : "Reset. New requests in this scope are accepted again; halted requests stay halted.",
      );
      close();
    } catch (e) {
      setError((e as Error).message);
      setMode("form");
    } finally {
      setBusy(false);
    }
  }

  function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    if (isGlobal && action === "trip" && mode === "form") setMode("confirm");
    else void submit();
  }

  // the opening button is quiet (rows full of solid red read as alarms); the final one is not
  const toggleClass =
    action === "trip"
      ? "bg-white text-red-700 ring-1 ring-red-300 hover:bg-red-50"
      : "bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50";
  const submitClass =
    action === "trip"
      ? "bg-red-600 text-white hover:bg-red-700"
      : "bg-slate-900 text-white hover:bg-slate-700";

  return (
    <>
      <div className={buttonCell}>
        {mode === "closed" && (
          <button
            ref={toggle}
            type="button"
            onClick={open}
            className={`rounded-md px-3 py-1.5 text-xs font-medium ${toggleClass}`}
          >
            {verb}
            <span className="sr-only"> the {row.label} kill switch</span>
          </button>
        )}
      </div>
      {mode !== "closed" && (
        <form
          onSubmit={onSubmit}
          noValidate
          onKeyDown={(e) => {
            if (e.key === "Escape") close();
          }}
          className={`${panelCell} space-y-2 rounded-lg border border-slate-200 bg-white p-3`}
        >
          {mode === "form" && (
            <>
              <label htmlFor={`${id}-reason`} className="block text-xs font-medium text-slate-700">
                Why {action === "trip" ? "trip" : "reset"} this switch?
              </label>
              <input
                id={`${id}-reason`}
                autoFocus
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? `${id}-error` : undefined}
                placeholder={
                  action === "trip" ? "e.g. agent is overwriting stage values" : "e.g. fix deployed"
                }
                className="block w-full max-w-xl rounded-md border border-slate-300 px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
              />
            </>
          )}
          {mode === "confirm" && (
            <div
              role="alertdialog"
              aria-labelledby={`${id}-confirm`}
              className="rounded-md bg-red-100 px-3 py-2 text-sm text-red-900"
            >
              <p id={`${id}-confirm`} className="font-medium">
                Trip the global switch?
              </p>
              <p className="mt-1 text-xs">
                Every agent in every environment is refused from its next request, and queued
                approved work everywhere is halted. Reason: “{reason.trim()}”
              </p>
            </div>
          )}
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
              autoFocus={mode === "confirm"}
              className={`rounded-md px-3 py-1.5 text-xs font-medium disabled:opacity-60 ${submitClass}`}
            >
              {busy ? "Working…" : mode === "confirm" ? "Yes, trip everything" : `${verb} switch`}
            </button>
            <button
              type="button"
              onClick={() => (mode === "confirm" ? setMode("form") : close())}
              className="rounded-md bg-white px-3 py-1.5 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
            >
              {mode === "confirm" ? "Back" : "Cancel"}
            </button>
          </div>
        </form>
      )}
      {message && mode === "closed" && (
        <p role="status" className={`${panelCell} text-xs text-slate-600`}>
          {message}
        </p>
      )}
    </>
  );
}
