"use client";

import { useId, useRef, useState } from "react";
import { alertClass, Button, Field, Input, useAction } from "./ui";
import { sendJson } from "./send-json";
import type { TSwitchRow } from "./kill-switch-types";
import { describePropagation } from "./kill-switch-propagation";
import type { TPropagation } from "@/lib/guardrails/kill-switch-propagation";

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
  const [message, setMessage] = useState<{ text: string; silent: string[] } | null>(null);
  const { busy, error, run, setError } = useAction();
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
    const ok = await run(async () => {
      const body = { scope: row.scope, ...(row.target ? { target: row.target } : {}), reason };
      const res = await sendJson<{
        killSwitch: { halted?: number; propagation?: TPropagation };
      }>(`/api/internal/kill-switches/${action}`, "POST", body);
      const halted = res.killSwitch.halted ?? 0;
      // show the result only once the rows below say the same thing
      await onChanged();
      if (action === "trip") {
        // the answer came once every running instance confirmed, or names those that did not
        const reach = res.killSwitch.propagation
          ? describePropagation(res.killSwitch.propagation)
          : { summary: "", silent: [] };
        setMessage({
          text: `Tripped. ${halted} queued request${halted === 1 ? "" : "s"} halted. ${reach.summary}`.trim(),
          silent: reach.silent,
        });
      } else {
        setMessage({
          text: "Reset. New requests in this scope are accepted again; halted requests stay halted.",
          silent: [],
        });
      }
    });
    if (ok) close();
    else setMode("form");
  }

  function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    if (isGlobal && action === "trip" && mode === "form") setMode("confirm");
    else void submit();
  }

  // the opening button is quiet (rows full of solid red read as alarms); the final one is not
  const quiet = action === "trip" ? "danger-outline" : "secondary";
  const loud = action === "trip" ? "danger" : "primary";

  return (
    <>
      <div className={buttonCell}>
        {mode === "closed" && (
          <Button ref={toggle} variant={quiet} onClick={open}>
            {verb}
            <span className="sr-only"> the {row.label} kill switch</span>
          </Button>
        )}
      </div>
      {mode !== "closed" && (
        <form
          onSubmit={onSubmit}
          noValidate
          onKeyDown={(e) => {
            if (e.key === "Escape") close();
          }}
          className={`${panelCell} space-y-2 rounded-lg border border-line bg-white p-3`}
        >
          {mode === "form" && (
            <Field
              id={id}
              label={`Why ${action === "trip" ? "trip" : "reset"} this switch?`}
              error={error}
              className="max-w-xl"
            >
              <Input
                autoFocus
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                placeholder={
                  action === "trip" ? "e.g. agent is overwriting stage values" : "e.g. fix deployed"
                }
              />
            </Field>
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
          <div className="flex gap-2">
            <Button
              type="submit"
              variant={loud}
              busy={busy}
              busyLabel="Working…"
              autoFocus={mode === "confirm"}
            >
              {mode === "confirm" ? "Yes, trip everything" : `${verb} switch`}
            </Button>
            <Button
              variant="secondary"
              onClick={() => (mode === "confirm" ? setMode("form") : close())}
            >
              {mode === "confirm" ? "Back" : "Cancel"}
            </Button>
          </div>
        </form>
      )}
      {message && mode === "closed" && (
        <div role="status" className={`${panelCell} text-xs`}>
          <p className={message.silent.length ? "font-medium text-amber-900" : "text-muted"}>
            {message.text}
          </p>
          {message.silent.length > 0 && (
            <ul
              data-testid="unconfirmed-instances"
              className={`${alertClass("warning", "sm")} mt-1 list-disc pl-6`}
            >
              {message.silent.map((s) => (
                <li key={s} className="break-words">
                  {s}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </>
  );
}
