"use client";

import { useState } from "react";
import { Alert, Button, Dialog, Field, Input, ReasonField, Select } from "@/components/ui";
import {
  ELEVATION_MAX_HOURS,
  GRANT_OPERATIONS,
  splitList,
  ZElevateAgentInput,
  type TElevateAgentInput,
} from "@/lib/agents/schemas";
import { ApiError } from "@/components/send-json";
import { useElevateAgent } from "./queries";

type TForm = {
  object: string;
  operation: string;
  fields: string;
  recordCondition: string;
  hours: string;
  reason: string;
};
const EMPTY: TForm = {
  object: "",
  operation: "update",
  fields: "",
  recordCondition: "",
  hours: "1",
  reason: "",
};

/** The body the route takes, from what was typed (numbers and lists as the schema wants them). */
function toInput(f: TForm): TElevateAgentInput {
  return {
    scope: {
      object: f.object,
      operations: [f.operation as TElevateAgentInput["scope"]["operations"][number]],
      fields: splitList(f.fields),
      recordCondition: f.recordCondition,
    },
    hours: f.hours.trim() === "" ? Number.NaN : Number(f.hours),
    reason: f.reason,
  };
}

/** A failing path ("scope.fields", "hours") → the form field it belongs to. */
const FIELD_OF: Record<string, keyof TForm> = {
  "scope.object": "object",
  "scope.operations": "operation",
  "scope.fields": "fields",
  "scope.recordCondition": "recordCondition",
  hours: "hours",
  reason: "reason",
};
const fieldOf = (path: string) =>
  FIELD_OF[path] ?? FIELD_OF[path.split(".").slice(0, 2).join(".")] ?? null;

/**
 * Give the agent more scope for N hours. Checked with the route's own schema before it is sent
 * (each message under its field), and the server's refusal is shown the same way.
 */
export function ElevateDialog(props: {
  agentId: string;
  agentName: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onDone: () => void;
}) {
  const elevate = useElevateAgent(props.agentId);
  const [form, setForm] = useState<TForm>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<keyof TForm, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);

  const set = (k: keyof TForm) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));

  function close(next: boolean) {
    if (!next) {
      setForm(EMPTY);
      setErrors({});
      setFormError(null);
      elevate.reset();
    }
    props.onOpenChange(next);
  }

  function show(issues: { path: string; message: string }[], fallback: string) {
    const byField: Partial<Record<keyof TForm, string>> = {};
    const rest: string[] = [];
    for (const i of issues) {
      const k = fieldOf(i.path);
      if (k) byField[k] ??= i.message;
      else rest.push(i.message);
    }
    setErrors(byField);
    setFormError(rest.length ? rest.join(" · ") : Object.keys(byField).length ? null : fallback);
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const input = toInput(form);
    const checked = ZElevateAgentInput.safeParse(input);
    if (!checked.success) {
      show(
        checked.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        "Check the form",
      );
      return;
    }
    setErrors({});
    setFormError(null);
    elevate.mutate(input, {
      onSuccess: () => {
        close(false);
        props.onDone();
      },
      onError: (err) =>
        err instanceof ApiError && err.errors.length
          ? show(err.errors, err.message)
          : setFormError(err.message),
    });
  }

  return (
    <Dialog
      open={props.open}
      onOpenChange={close}
      title={`Elevate ${props.agentName}`}
      description="Extra scope for a number of hours, for this agent only. It ends by itself; the reason goes into the audit trail."
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="Elevation">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Object" error={errors.object}>
            <Input
              autoFocus
              value={form.object}
              onChange={set("object")}
              placeholder="e.g. Opportunity"
            />
          </Field>
          <Field label="Operation" error={errors.operation}>
            <Select value={form.operation} onChange={set("operation")}>
              {GRANT_OPERATIONS.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <Field label="Fields" hint="API names, separated by commas" error={errors.fields}>
          <Input
            value={form.fields}
            onChange={set("fields")}
            placeholder="e.g. StageName, Amount"
          />
        </Field>
        <Field
          label="Record condition (optional)"
          hint="Only records where this holds, e.g. Amount < 100000"
          error={errors.recordCondition}
        >
          <Input
            className="font-mono"
            value={form.recordCondition}
            onChange={set("recordCondition")}
          />
        </Field>
        <Field
          label="Hours"
          hint={`From 1 to ${ELEVATION_MAX_HOURS} (30 days)`}
          error={errors.hours}
        >
          <Input
            type="number"
            inputMode="numeric"
            min={1}
            max={ELEVATION_MAX_HOURS}
            value={form.hours}
            onChange={set("hours")}
          />
        </Field>
        <ReasonField
          value={form.reason}
          onChange={(reason) => setForm((f) => ({ ...f, reason }))}
          error={errors.reason}
        />
        {formError && (
          <Alert tone="error" size="sm">
            {formError}
          </Alert>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => close(false)}>
            Cancel
          </Button>
          <Button type="submit" busy={elevate.isPending} busyLabel="Elevating…">
            Elevate
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
