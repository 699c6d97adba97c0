"use client";

import { useState } from "react";
import { Alert, Button, Dialog, Field, Input, Select, Textarea } from "@/components/ui";
import { useFormErrors } from "@/components/agents/form-errors";
import {
  SEVERITIES,
  SEVERITY_LABELS,
  ZCloseIncidentInput,
  ZOpenIncidentInput,
  ZSetSeverityInput,
} from "@/lib/incidents/schemas";
import { useCloseIncident, useOpenIncident, useSetSeverity, type TIncidentRow } from "./queries";

export type TIncidentAction =
  | { kind: "severity"; incident: TIncidentRow }
  | { kind: "close"; incident: TIncidentRow }
  | { kind: "open" };

type TField = "severity" | "reason" | "agentId" | "title";
const FIELDS: TField[] = ["severity", "reason", "agentId", "title"];

/** Set an incident's severity, close it, or open one — each with a reason, checked by the route's schema. */
export function IncidentDialog(props: {
  action: TIncidentAction;
  agents: { id: string; label: string }[];
  onOpenChange: (open: boolean) => void;
}) {
  const a = props.action;
  const severity = useSetSeverity();
  const close = useCloseIncident();
  const open = useOpenIncident();
  const [form, setForm] = useState({
    severity: a.kind === "severity" ? (a.incident.severity ?? "") : "",
    reason: "",
    agentId: "",
    title: "",
  });
  const errs = useFormErrors<TField>((p) =>
    (FIELDS as string[]).includes(p) ? (p as TField) : null,
  );
  const set = (k: TField) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));
  const done = { onSuccess: () => props.onOpenChange(false), onError: errs.fromServer };
  const busy = severity.isPending || close.isPending || open.isPending;

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (a.kind === "severity") {
      const input = { severity: form.severity as "P0", reason: form.reason };
      if (errs.check(ZSetSeverityInput, input))
        severity.mutate({ id: a.incident.id, ...input }, done);
    } else if (a.kind === "close") {
      const input = { reason: form.reason };
      if (errs.check(ZCloseIncidentInput, input))
        close.mutate({ id: a.incident.id, ...input }, done);
    } else {
      const input = { agentId: form.agentId, title: form.title, reason: form.reason };
      if (errs.check(ZOpenIncidentInput, input)) open.mutate(input, done);
    }
  }

  const title =
    a.kind === "severity"
      ? "Set severity"
      : a.kind === "close"
        ? "Close incident"
        : "Open an incident";
  return (
    <Dialog
      open
      onOpenChange={props.onOpenChange}
      title={title}
      description={
        a.kind === "open"
          ? "About one agent: it counts on that agent's phase gate once triaged. The reason goes into the audit trail."
          : `“${a.incident.title}” — the reason goes into the audit trail.`
      }
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label={title}>
        {a.kind === "severity" && (
          <Field label="Severity" error={errs.errors.severity}>
            <Select value={form.severity} onChange={set("severity")}>
              <option value="">Choose…</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {SEVERITY_LABELS[s]}
                </option>
              ))}
            </Select>
          </Field>
        )}
        {a.kind === "open" && (
          <>
            <Field label="Agent" error={errs.errors.agentId}>
              <Select value={form.agentId} onChange={set("agentId")}>
                <option value="">Choose…</option>
                {props.agents.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.label}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="What happened" error={errs.errors.title}>
              <Input value={form.title} onChange={set("title")} />
            </Field>
          </>
        )}
        <Field label="Reason" error={errs.errors.reason}>
          <Textarea rows={2} value={form.reason} onChange={set("reason")} />
        </Field>
        {errs.formError && (
          <Alert tone="error" size="sm">
            {errs.formError}
          </Alert>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => props.onOpenChange(false)}>
            Cancel
          </Button>
          <Button type="submit" busy={busy} busyLabel="Saving…">
            {a.kind === "severity"
              ? "Set severity"
              : a.kind === "close"
                ? "Close incident"
                : "Open incident"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
