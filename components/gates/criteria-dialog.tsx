"use client";

import { useState } from "react";
import { Alert, Button, Dialog, Field, Input, Textarea } from "@/components/ui";
import { useFormErrors } from "@/components/agents/form-errors";
import { ZPromotionCriteriaInput, type TPromotionCriteriaInput } from "@/lib/gates/schemas";
import { useSetCriteria, type TGateView } from "./queries";

type TForm = {
  minProposals: string;
  maxReversalPct: string;
  maxExceptionPct: string;
  anomalyFreeDays: string;
  windowDays: string;
  autoDemote: boolean;
  reason: string;
};

const num = (s: string) => (s.trim() === "" ? Number.NaN : Number(s));
/** percents as typed → the fractions the schema takes (0.02 for 2 %), without float noise */
const fraction = (s: string) => Math.round(num(s) * 100) / 10_000;
const percent = (f: number) => String(Math.round(f * 10_000) / 100);

function toInput(f: TForm): TPromotionCriteriaInput {
  return {
    minProposals: num(f.minProposals),
    maxReversalRate: fraction(f.maxReversalPct),
    maxExceptionRate: fraction(f.maxExceptionPct),
    anomalyFreeDays: num(f.anomalyFreeDays),
    windowDays: num(f.windowDays),
    autoDemote: f.autoDemote,
    reason: f.reason,
  };
}

const FIELD_OF: Record<string, keyof TForm> = {
  minProposals: "minProposals",
  maxReversalRate: "maxReversalPct",
  maxExceptionRate: "maxExceptionPct",
  anomalyFreeDays: "anomalyFreeDays",
  windowDays: "windowDays",
  reason: "reason",
};

/** A risk owner sets the agent's promotion criteria (checked with the route's own schema). */
export function CriteriaDialog(props: {
  agentId: string;
  agentName: string;
  criteria: TGateView["gate"]["criteria"];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const save = useSetCriteria(props.agentId);
  const c = props.criteria;
  const initial: TForm = {
    minProposals: String(c.minProposals),
    maxReversalPct: percent(c.maxReversalRate),
    maxExceptionPct: percent(c.maxExceptionRate),
    anomalyFreeDays: String(c.anomalyFreeDays),
    windowDays: String(c.windowDays),
    autoDemote: c.autoDemote,
    reason: "",
  };
  const [form, setForm] = useState<TForm>(initial);
  const errs = useFormErrors<keyof TForm>((p) => FIELD_OF[p] ?? null);
  const set = (k: keyof TForm) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));

  function close(next: boolean) {
    if (!next) {
      setForm(initial);
      errs.clear();
      save.reset();
    }
    props.onOpenChange(next);
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const input = toInput(form);
    if (!errs.check(ZPromotionCriteriaInput, input)) return;
    errs.clear();
    save.mutate(input, { onSuccess: () => close(false), onError: errs.fromServer });
  }

  return (
    <Dialog
      open={props.open}
      onOpenChange={close}
      title={`Promotion criteria for ${props.agentName}`}
      description="What this agent must show, in this environment, before it is promoted. The reason goes into the audit trail."
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="Promotion criteria">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Proposals in the current phase, at least" error={errs.errors.minProposals}>
            <Input inputMode="numeric" value={form.minProposals} onChange={set("minProposals")} />
          </Field>
          <Field label="Window (days)" error={errs.errors.windowDays}>
            <Input inputMode="numeric" value={form.windowDays} onChange={set("windowDays")} />
          </Field>
          <Field label="Reversal rate under (%)" error={errs.errors.maxReversalPct}>
            <Input
              inputMode="decimal"
              value={form.maxReversalPct}
              onChange={set("maxReversalPct")}
            />
          </Field>
          <Field label="Exception rate under (%)" error={errs.errors.maxExceptionPct}>
            <Input
              inputMode="decimal"
              value={form.maxExceptionPct}
              onChange={set("maxExceptionPct")}
            />
          </Field>
          <Field label="Days without an anomaly" error={errs.errors.anomalyFreeDays}>
            <Input
              inputMode="numeric"
              value={form.anomalyFreeDays}
              onChange={set("anomalyFreeDays")}
            />
          </Field>
        </div>
        <label className="flex items-start gap-2 text-sm">
          <input
            type="checkbox"
            className="mt-0.5"
            checked={form.autoDemote}
            onChange={(e) => setForm((f) => ({ ...f, autoDemote: e.target.checked }))}
          />
          <span>
            Demote automatically to propose when, in execute phase, the record breaches these
            criteria
          </span>
        </label>
        <Field label="Reason" error={errs.errors.reason}>
          <Textarea rows={2} value={form.reason} onChange={set("reason")} />
        </Field>
        {errs.formError && (
          <Alert tone="error" size="sm">
            {errs.formError}
          </Alert>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => close(false)}>
            Cancel
          </Button>
          <Button type="submit" busy={save.isPending} busyLabel="Saving…">
            Save criteria
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
