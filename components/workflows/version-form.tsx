"use client";

import { useMemo, useState } from "react";
import {
  Alert,
  Button,
  Card,
  Field,
  Input,
  ReasonField,
  Textarea,
  useToast,
} from "@/components/ui";
import type { TChangeWindow } from "@/lib/policy/types";
import { widensWindows } from "@/lib/workflows/window-calendar";
import { DAY_LABELS, ZChangeWindows } from "@/lib/workflows/workflow-schema";
import { useCreateVersion, useEditDraft, type TVersion } from "./queries";

type TWindowDraft = { days: number[]; start: string; end: string; tz: string };
const MONDAY_FIRST = [1, 2, 3, 4, 5, 6, 0];
const NEW_WINDOW: TWindowDraft = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", tz: "UTC" };

/** Every zone the browser knows, for the zone field's suggestions. */
const ZONES: string[] =
  typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["UTC"];

/**
 * A draft's action types, change windows and notes — or, for a published version (which never
 * changes), the same form making a new draft that copies it. Windows are checked as you type with
 * the schema the route parses with; a change that lets agents do more asks for a reason.
 */
export function VersionForm(props: {
  workflowId: string;
  mode: "edit" | "copy";
  version: TVersion;
  catalog: { key: string; name: string }[];
  onClose?: () => void;
}) {
  const { version: base } = props;
  const [types, setTypes] = useState<string[]>([...base.actionTypes]);
  const [windows, setWindows] = useState<TWindowDraft[]>(
    base.changeWindows.map((w) => ({
      days: [...w.days],
      start: w.start,
      end: w.end,
      tz: w.tz ?? "UTC",
    })),
  );
  const [notes, setNotes] = useState(base.notes ?? "");
  const [reason, setReason] = useState("");
  const edit = useEditDraft(props.workflowId, base.id);
  const create = useCreateVersion(props.workflowId);
  const mutation = props.mode === "edit" ? edit : create;
  const { toast } = useToast();

  const parsed = ZChangeWindows.safeParse(windows);
  const errors = new Map<string, string>();
  if (!parsed.success)
    for (const i of parsed.error.issues) {
      const key = i.path.slice(0, 2).join(".");
      if (!errors.has(key)) errors.set(key, i.message);
    }
  const validWindows = parsed.success ? parsed.data : null;
  const widens = useMemo(() => {
    const out: string[] = [];
    const added = types.filter((t) => !base.actionTypes.includes(t));
    if (added.length) out.push(`adds ${added.join(", ")}`);
    if (
      validWindows &&
      widensWindows(base.changeWindows, validWindows as TChangeWindow[], new Date())
    )
      out.push(validWindows.length ? "opens the windows at more times" : "removes every window");
    return out;
    // validWindows is a new array each render: compare by content
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [types, JSON.stringify(validWindows), base]);

  const setWindow = (i: number, patch: Partial<TWindowDraft>) =>
    setWindows((ws) => ws.map((w, j) => (j === i ? { ...w, ...patch } : w)));

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!validWindows || types.length === 0) return;
    const body = {
      actionTypes: types,
      changeWindows: validWindows,
      notes,
      reason: reason.trim() || undefined,
    };
    mutation.mutate(props.mode === "edit" ? body : { ...body, basedOn: base.id }, {
      onSuccess: (res) => {
        toast({
          tone: "success",
          title:
            props.mode === "edit"
              ? `Draft ${res.version.version} saved`
              : `Draft ${res.version.version} created from version ${base.version}`,
        });
        props.onClose?.();
      },
    });
  }

  const title =
    props.mode === "edit"
      ? `Draft version ${base.version}`
      : `New version from version ${base.version}`;
  return (
    <Card aria-label={title} data-testid="version-form">
      <form onSubmit={submit} noValidate className="space-y-5">
        <div>
          <h2 className="text-base font-semibold">{title}</h2>
          <p className="mt-1 text-sm text-muted">
            {props.mode === "edit"
              ? "A draft takes no requests until it is published as a canary."
              : `Version ${base.version} is ${base.status} and never changes: saving makes a new draft with these settings.`}
          </p>
        </div>
        <fieldset>
          <legend className="text-xs font-medium text-slate-700">Action types</legend>
          <div className="mt-2 grid gap-x-6 gap-y-1.5 sm:grid-cols-2 xl:grid-cols-3">
            {props.catalog.map((a) => (
              <label key={a.key} className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  className="mt-1"
                  checked={types.includes(a.key)}
                  onChange={(e) =>
                    setTypes((t) =>
                      e.target.checked ? [...t, a.key] : t.filter((x) => x !== a.key),
                    )
                  }
                />
                <span className="min-w-0">
                  {a.name}
                  <span className="block break-all font-mono text-xs text-muted">{a.key}</span>
                </span>
              </label>
            ))}
          </div>
          {types.length === 0 && (
            <p role="alert" className="mt-1 text-xs text-danger">
              Pick at least one action type
            </p>
          )}
        </fieldset>
        <fieldset className="space-y-3">
          <legend className="text-xs font-medium text-slate-700">Change windows</legend>
          {windows.length === 0 && (
            <p className="text-sm text-muted">No windows: agents may act at any time.</p>
          )}
          {windows.map((w, i) => (
            <div
              key={i}
              data-testid={`window-${i}`}
              className="relative space-y-3 rounded-lg border border-line p-3"
            >
              <fieldset>
                <legend className="text-xs font-medium text-slate-700">Days</legend>
                <div className="mt-1.5 flex flex-wrap gap-x-3 gap-y-1">
                  {MONDAY_FIRST.map((d) => (
                    <label key={d} className="flex items-center gap-1 text-sm">
                      <input
                        type="checkbox"
                        checked={w.days.includes(d)}
                        onChange={(e) =>
                          setWindow(i, {
                            days: e.target.checked ? [...w.days, d] : w.days.filter((x) => x !== d),
                          })
                        }
                      />
                      {DAY_LABELS[d]}
                    </label>
                  ))}
                </div>
                {errors.get(`${i}.days`) && (
                  <p role="alert" className="mt-1 text-xs text-danger">
                    {errors.get(`${i}.days`)}
                  </p>
                )}
              </fieldset>
              <div className="grid gap-3 sm:grid-cols-[7rem_7rem_minmax(0,1fr)_auto] sm:items-start">
                <Field label="Start" error={errors.get(`${i}.start`)}>
                  <Input
                    value={w.start}
                    onChange={(e) => setWindow(i, { start: e.target.value })}
                  />
                </Field>
                <Field label="End" error={errors.get(`${i}.end`)}>
                  <Input value={w.end} onChange={(e) => setWindow(i, { end: e.target.value })} />
                </Field>
                <Field label="Time zone (IANA)" error={errors.get(`${i}.tz`)}>
                  <Input
                    value={w.tz}
                    list="iana-zones"
                    onChange={(e) => setWindow(i, { tz: e.target.value })}
                  />
                </Field>
                <Button
                  variant="ghost"
                  size="sm"
                  className="sm:mt-5"
                  onClick={() => setWindows((ws) => ws.filter((_, j) => j !== i))}
                >
                  Remove<span className="sr-only"> window {i + 1}</span>
                </Button>
              </div>
            </div>
          ))}
          <datalist id="iana-zones">
            {ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <Button
            variant="secondary"
            size="sm"
            onClick={() => setWindows((ws) => [...ws, { ...NEW_WINDOW }])}
          >
            Add a window
          </Button>
        </fieldset>
        <Field label="Notes">
          <Textarea rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
        </Field>
        <ReasonField
          label={widens.length ? "Why? (required)" : "Why? (optional)"}
          hint={
            widens.length
              ? `This lets agents do more (it ${widens.join(" and ")}), so a reason is required.`
              : undefined
          }
          value={reason}
          onChange={setReason}
        />
        {mutation.error && <Alert tone="error">{mutation.error.message}</Alert>}
        <div className="flex justify-end gap-2">
          {props.onClose && (
            <Button variant="secondary" onClick={props.onClose}>
              Cancel
            </Button>
          )}
          <Button
            type="submit"
            busy={mutation.isPending}
            busyLabel="Saving…"
            disabled={!validWindows || types.length === 0}
          >
            {props.mode === "edit" ? "Save draft" : "Save as new draft"}
          </Button>
        </div>
      </form>
    </Card>
  );
}
