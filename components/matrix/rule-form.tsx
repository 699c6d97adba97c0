"use client";

import { useState } from "react";
import { Alert, Button, Dialog, Field, Input, Select } from "@/components/ui";
import { ApiError } from "@/components/send-json";
import {
  APPROVAL_MODES,
  MODE_LABELS,
  ZRuleSettings,
  type TRuleSettings,
} from "@/lib/matrix/rule-schema";
import { ConditionInput } from "./condition-input";
import { useEditRule } from "./queries";

type TGroup = { key: string; name: string };
type TCondition = TRuleSettings["conditions"][number];
type TConstraint = TRuleSettings["constraints"][number];

const num = (v: string) => (v.trim() === "" ? undefined : Number(v));

function Check(props: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="flex items-center gap-2 text-sm">
      <input
        type="checkbox"
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      {props.label}
    </label>
  );
}

/** A comma-separated list: the text as typed stays on screen, the list goes to the rule. */
function ListInput(props: {
  value: string[] | undefined;
  onChange: (v: string[] | undefined) => void;
}) {
  const [text, setText] = useState(props.value?.join(", ") ?? "");
  return (
    <Input
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const values = e.target.value
          .split(",")
          .map((v) => v.trim())
          .filter(Boolean);
        props.onChange(values.length ? values : undefined);
      }}
    />
  );
}

/**
 * One rule of the draft in a dialog. The form parses with the route's own schema (ZRuleSettings)
 * before sending; the server's refusals (a group or field that does not exist) show at the same
 * places, by their path.
 */
export function RuleForm(props: {
  versionId: string;
  actionType: string;
  actionName: string;
  fields: string[];
  groups: TGroup[];
  initial: TRuleSettings;
  onClose: () => void;
}) {
  const [r, setR] = useState<TRuleSettings>(props.initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const edit = useEditRule(props.versionId);
  const set = (patch: Partial<TRuleSettings>) => setR((x) => ({ ...x, ...patch }));
  const setCondition = (i: number, patch: Partial<TCondition>) =>
    set({ conditions: r.conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const setConstraint = (i: number, patch: Partial<TConstraint>) =>
    set({ constraints: r.constraints.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const err = (path: string) => errors[path];

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setFailure(null);
    const parsed = ZRuleSettings.safeParse(r);
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message])));
      return;
    }
    setErrors({});
    edit.mutate(
      { actionType: props.actionType, settings: parsed.data },
      {
        onSuccess: props.onClose,
        onError: (error) => {
          if (error instanceof ApiError && error.errors.length)
            setErrors(Object.fromEntries(error.errors.map((x) => [x.path, x.message])));
          else setFailure(error.message);
        },
      },
    );
  }

  const groupOptions = props.groups.map((g) => (
    <option key={g.key} value={g.key}>
      {g.name}
    </option>
  ));
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && props.onClose()}
      size="wide"
      title={`Edit rule: ${props.actionName}`}
      description="Changes go into the draft only; agents keep the active version until a risk owner publishes."
    >
      <form onSubmit={submit} noValidate className="max-h-[70vh] space-y-4 overflow-y-auto pr-1">
        {Object.keys(errors).length > 0 && (
          <Alert tone="error" size="sm">
            The rule is not valid: see the marked fields.
          </Alert>
        )}
        <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Field label="Mode" error={err("mode")}>
            <Select
              value={r.mode}
              onChange={(e) => set({ mode: e.target.value as TRuleSettings["mode"] })}
            >
              {APPROVAL_MODES.map((m) => (
                <option key={m} value={m}>
                  {MODE_LABELS[m]}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Approver group" error={err("approverRole")}>
            <Select
              value={r.approverRole ?? ""}
              onChange={(e) => set({ approverRole: e.target.value || null })}
            >
              <option value="">None</option>
              {groupOptions}
            </Select>
          </Field>
          <Field label="Required approvals" error={err("requiredApprovals")}>
            <Input
              type="number"
              min={0}
              max={5}
              value={r.requiredApprovals}
              onChange={(e) => set({ requiredApprovals: Number(e.target.value) })}
            />
          </Field>
          <Field label="SLA (minutes)" hint="Empty: none" error={err("slaMinutes")}>
            <Input
              type="number"
              min={1}
              value={r.slaMinutes ?? ""}
              onChange={(e) => set({ slaMinutes: num(e.target.value) ?? null })}
            />
          </Field>
        </div>
        <div className="flex flex-wrap gap-x-6 gap-y-2">
          <Check
            label="Reason code required"
            checked={r.requireReason}
            onChange={(v) => set({ requireReason: v })}
          />
          <Check
            label="Evidence required"
            checked={r.requireEvidence}
            onChange={(v) => set({ requireEvidence: v })}
          />
          <Check
            label="Reversible"
            checked={r.reversible}
            onChange={(v) => set({ reversible: v })}
          />
          <Check
            label="A revert of a create deletes the record"
            checked={r.rollbackByDelete}
            onChange={(v) => set({ rollbackByDelete: v })}
          />
        </div>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Logging required" error={err("loggingRequired")}>
            <Input
              value={r.loggingRequired}
              onChange={(e) => set({ loggingRequired: e.target.value })}
            />
          </Field>
          <Field label="Rollback plan" error={err("rollbackPlan")}>
            <Input value={r.rollbackPlan} onChange={(e) => set({ rollbackPlan: e.target.value })} />
          </Field>
        </div>

        <fieldset className="space-y-3">
          <legend className="text-sm font-semibold">Conditions that raise the mode</legend>
          {r.conditions.map((c, i) => (
            <div key={i} className="space-y-2 rounded-lg border border-line p-3">
              <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
                <Field label="Name" error={err(`conditions.${i}.name`)}>
                  <Input
                    value={c.name}
                    onChange={(e) => setCondition(i, { name: e.target.value })}
                  />
                </Field>
                <Field label="Raise mode to" error={err(`conditions.${i}.mode`)}>
                  <Select
                    value={c.mode ?? ""}
                    onChange={(e) =>
                      setCondition(i, {
                        mode: (e.target.value || undefined) as TCondition["mode"],
                      })
                    }
                  >
                    <option value="">Keep</option>
                    {APPROVAL_MODES.map((m) => (
                      <option key={m} value={m}>
                        {MODE_LABELS[m]}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label="Approver group" error={err(`conditions.${i}.approverRole`)}>
                  <Select
                    value={c.approverRole ?? ""}
                    onChange={(e) => setCondition(i, { approverRole: e.target.value || undefined })}
                  >
                    <option value="">Keep</option>
                    {groupOptions}
                  </Select>
                </Field>
                <Field label="Approvals" error={err(`conditions.${i}.requiredApprovals`)}>
                  <Input
                    type="number"
                    min={1}
                    max={5}
                    value={c.requiredApprovals ?? ""}
                    onChange={(e) => setCondition(i, { requiredApprovals: num(e.target.value) })}
                  />
                </Field>
              </div>
              <ConditionInput
                id={`condition-${i}`}
                value={c.when}
                error={err(`conditions.${i}.when`)}
                onChange={(when) => setCondition(i, { when })}
              />
              <Button
                variant="danger-outline"
                size="xs"
                onClick={() => set({ conditions: r.conditions.filter((_, j) => j !== i) })}
              >
                Remove condition {c.name || i + 1}
              </Button>
            </div>
          ))}
          <Button
            variant="secondary"
            size="xs"
            onClick={() => set({ conditions: [...r.conditions, { name: "", when: "" }] })}
          >
            Add a condition
          </Button>
        </fieldset>

        <fieldset className="space-y-3">
          <legend className="text-sm font-semibold">Field constraints</legend>
          {r.constraints.map((c, i) => (
            <div key={i} className="grid grid-cols-2 items-end gap-3 sm:grid-cols-6">
              <Field label="Field" error={err(`constraints.${i}.field`)}>
                <Select
                  value={c.field}
                  onChange={(e) => setConstraint(i, { field: e.target.value })}
                >
                  <option value="">Choose…</option>
                  {props.fields.map((f) => (
                    <option key={f}>{f}</option>
                  ))}
                </Select>
              </Field>
              <Field
                label="Allowed values"
                hint="Comma-separated"
                error={err(`constraints.${i}.allowedValues`)}
              >
                <ListInput
                  value={c.allowedValues}
                  onChange={(allowedValues) => setConstraint(i, { allowedValues })}
                />
              </Field>
              <Field label="Min" error={err(`constraints.${i}.min`)}>
                <Input
                  type="number"
                  value={c.min ?? ""}
                  onChange={(e) => setConstraint(i, { min: num(e.target.value) })}
                />
              </Field>
              <Field label="Max" error={err(`constraints.${i}.max`)}>
                <Input
                  type="number"
                  value={c.max ?? ""}
                  onChange={(e) => setConstraint(i, { max: num(e.target.value) })}
                />
              </Field>
              <Field label="Max change (%)" error={err(`constraints.${i}.maxRelativeChange`)}>
                <Input
                  type="number"
                  min={1}
                  value={
                    c.maxRelativeChange === undefined ? "" : Math.round(c.maxRelativeChange * 100)
                  }
                  onChange={(e) => {
                    const v = num(e.target.value);
                    setConstraint(i, { maxRelativeChange: v === undefined ? undefined : v / 100 });
                  }}
                />
              </Field>
              <Button
                variant="danger-outline"
                size="xs"
                className="mb-1"
                onClick={() => set({ constraints: r.constraints.filter((_, j) => j !== i) })}
              >
                Remove
              </Button>
            </div>
          ))}
          <Button
            variant="secondary"
            size="xs"
            onClick={() => set({ constraints: [...r.constraints, { field: "" }] })}
          >
            Add a constraint
          </Button>
        </fieldset>

        {failure && (
          <Alert tone="error" size="sm">
            {failure}
          </Alert>
        )}
        <div className="flex justify-end gap-2 border-t border-line pt-3">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={edit.isPending} busyLabel="Saving…">
            Save to draft
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
