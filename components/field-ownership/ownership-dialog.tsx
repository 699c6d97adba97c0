"use client";

import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  CONFLICT_RULES,
  CONFLICT_RULE_LABELS,
  HUMANS,
  ZCreateFieldOwnershipInput,
  ZDeleteFieldOwnershipInput,
  ZUpdateFieldOwnershipInput,
  widenings,
  type TConflictRuleName,
} from "@/lib/field-ownership/schemas";
import { splitList } from "@/lib/agents/schemas";
import { Alert, Button, Dialog, Field, Input, ReasonField, Select } from "@/components/ui";
import { sendJson } from "@/components/send-json";
import { useFormErrors } from "@/components/agents/form-errors";
import { OWNERSHIP_URL, ownershipKey, type TOwnershipList, type TOwnershipRow } from "./queries";

type TKey =
  | "object"
  | "field"
  | "systemOfRecord"
  | "allowedWriters"
  | "conflictRule"
  | "yieldHours"
  | "freshnessSlaMinutes"
  | "ownerUserId"
  | "reason";
const KEYS = new Set<string>([
  "object",
  "field",
  "systemOfRecord",
  "allowedWriters",
  "conflictRule",
  "yieldHours",
  "freshnessSlaMinutes",
  "ownerUserId",
  "reason",
]);
const fieldOf = (path: string) => {
  const head = path.split(".")[0];
  return KEYS.has(head) ? (head as TKey) : null;
};
const num = (s: string) => (s.trim() === "" ? null : Number(s));

function useSave() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (args: { url: string; method: string; body: unknown }) =>
      sendJson(args.url, args.method, args.body),
    onSettled: () => client.invalidateQueries({ queryKey: ownershipKey }),
  });
}

/**
 * Add or edit one field's ownership. Checked with the route's own schema as it is sent; when
 * the change lets agents write more the form says how, and asks why. A form opened before
 * someone else's edit is refused by the server (409), and says so.
 */
export function OwnershipDialog(props: {
  row: TOwnershipRow | null;
  choices: TOwnershipList;
  onClose: () => void;
}) {
  const { row, choices } = props;
  const [object, setObject] = useState(row?.object ?? "");
  const [field, setField] = useState(row?.field ?? "");
  const [system, setSystem] = useState(row?.systemOfRecord ?? "salesforce");
  const [writers, setWriters] = useState<string[]>(row?.allowedWriters ?? [HUMANS]);
  const [others, setOthers] = useState("");
  const [rule, setRule] = useState<TConflictRuleName>(row?.conflictRule ?? "manual_review");
  const [yieldHours, setYieldHours] = useState(row?.yieldHours?.toString() ?? "");
  const [sla, setSla] = useState(row?.freshnessSlaMinutes?.toString() ?? "");
  const [owner, setOwner] = useState(row?.ownerUserId ?? "");
  const [reason, setReason] = useState("");
  const [needReason, setNeedReason] = useState(false);
  const errs = useFormErrors<TKey>(fieldOf);
  const save = useSave();

  const known = new Set([
    HUMANS,
    ...choices.writers.agents.map((a) => a.slug),
    ...choices.writers.integrations,
  ]);
  // writers already on the row that are not offered as a box (an agent retired since) stay
  const extra = writers.filter((w) => !known.has(w));
  const allWriters = [...writers, ...splitList(others).filter((w) => !writers.includes(w))];
  const settings = {
    systemOfRecord: system,
    allowedWriters: allWriters,
    conflictRule: rule,
    yieldHours: rule === "agent_yields_to_humans" ? num(yieldHours) : null,
    freshnessSlaMinutes: num(sla),
    ownerUserId: owner || null,
    reason: reason || null,
  };
  const agents = new Set(choices.writers.agents.map((a) => a.slug));
  // a new row is compared with what the field does without one (the server asks the same)
  const widened = widenings(row ?? null, settings, (w) => agents.has(w));

  function toggle(w: string, on: boolean) {
    setWriters(on ? [...writers, w] : writers.filter((x) => x !== w));
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const body = row
      ? { ...settings, expectedUpdatedAt: row.updatedAt }
      : { object, field, ...settings };
    if (!errs.check(row ? ZUpdateFieldOwnershipInput : ZCreateFieldOwnershipInput, body)) return;
    errs.clear();
    const missing = widened.length > 0 && reason.trim().length < 3;
    setNeedReason(missing);
    if (missing) return;
    save.mutate(
      {
        url: row ? `${OWNERSHIP_URL}/${encodeURIComponent(row.id)}` : OWNERSHIP_URL,
        method: row ? "PATCH" : "POST",
        body,
      },
      { onSuccess: props.onClose, onError: errs.fromServer },
    );
  }

  return (
    <Dialog
      open
      size="wide"
      onOpenChange={(o) => !o && props.onClose()}
      title={row ? `Ownership of ${row.object}.${row.field}` : "Add a field's ownership"}
      description="Who may write the field, and what a write does with a value that changed since it was approved."
    >
      <form onSubmit={submit} noValidate aria-label="Field ownership" className="space-y-3">
        {!row && (
          <div className="grid gap-3 sm:grid-cols-2">
            <Field
              label="Object"
              error={errs.errors.object}
              hint="The Salesforce object's API name"
            >
              <Input
                list="ownership-objects"
                value={object}
                onChange={(e) => setObject(e.target.value)}
              />
            </Field>
            <datalist id="ownership-objects">
              {choices.objects.map((o) => (
                <option key={o} value={o} />
              ))}
            </datalist>
            <Field label="Field" error={errs.errors.field} hint="Its API name, e.g. Title">
              <Input value={field} onChange={(e) => setField(e.target.value)} />
            </Field>
          </div>
        )}
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="System of record" error={errs.errors.systemOfRecord}>
            <Input value={system} onChange={(e) => setSystem(e.target.value)} />
          </Field>
          <Field label="Owner" error={errs.errors.ownerUserId}>
            <Select value={owner} onChange={(e) => setOwner(e.target.value)}>
              <option value="">Nobody</option>
              {choices.owners.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <fieldset aria-describedby="writers-error">
          <legend className="block text-xs font-medium text-slate-700">Allowed writers</legend>
          <div className="mt-1 grid gap-x-4 gap-y-1 sm:grid-cols-3">
            <Check
              label="People (humans)"
              checked={writers.includes(HUMANS)}
              onChange={(on) => toggle(HUMANS, on)}
            />
            {choices.writers.agents.map((a) => (
              <Check
                key={a.slug}
                label={a.name}
                hint={a.slug}
                checked={writers.includes(a.slug)}
                onChange={(on) => toggle(a.slug, on)}
              />
            ))}
            {choices.writers.integrations.map((w) => (
              <Check
                key={w}
                label={w}
                hint="integration"
                checked={writers.includes(w)}
                onChange={(on) => toggle(w, on)}
              />
            ))}
            {extra.map((w) => (
              <Check key={w} label={w} checked onChange={(on) => toggle(w, on)} />
            ))}
          </div>
          <Field
            label="Other integrations"
            hint="Ids separated by commas, e.g. billing-sync"
            className="mt-2"
          >
            <Input value={others} onChange={(e) => setOthers(e.target.value)} />
          </Field>
          {errs.errors.allowedWriters && (
            <p id="writers-error" className="mt-1 text-xs text-red-700">
              {errs.errors.allowedWriters}
            </p>
          )}
        </fieldset>
        <div className="grid gap-3 sm:grid-cols-3">
          <Field label="Conflict rule" error={errs.errors.conflictRule}>
            <Select value={rule} onChange={(e) => setRule(e.target.value as TConflictRuleName)}>
              {CONFLICT_RULES.map((r) => (
                <option key={r} value={r}>
                  {CONFLICT_RULE_LABELS[r]}
                </option>
              ))}
            </Select>
          </Field>
          {rule === "agent_yields_to_humans" && (
            <Field label="Yield hours" error={errs.errors.yieldHours}>
              <Input
                type="number"
                inputMode="numeric"
                min={1}
                value={yieldHours}
                onChange={(e) => setYieldHours(e.target.value)}
              />
            </Field>
          )}
          <Field
            label="Freshness SLA (minutes)"
            hint="Empty: no limit"
            error={errs.errors.freshnessSlaMinutes}
          >
            <Input
              type="number"
              inputMode="numeric"
              min={1}
              value={sla}
              onChange={(e) => setSla(e.target.value)}
            />
          </Field>
        </div>
        {widened.length > 0 && (
          <Alert tone="warning" size="sm">
            This lets agents write more: {widened.join("; ")}. Say why.
          </Alert>
        )}
        <ReasonField
          label={widened.length ? "Reason (required)" : "Reason"}
          error={
            errs.errors.reason ??
            (needReason ? "Say why agents may write more (at least 3 characters)" : undefined)
          }
          value={reason}
          onChange={setReason}
        />
        {errs.formError && (
          <Alert tone="error" size="sm">
            {errs.formError}
          </Alert>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={save.isPending} busyLabel="Saving…">
            {row ? "Save" : "Add"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function Check(props: {
  label: string;
  hint?: string;
  checked: boolean;
  onChange: (on: boolean) => void;
}) {
  return (
    <label className="flex items-center gap-2 py-0.5">
      <input
        type="checkbox"
        className="h-4 w-4 rounded border-control"
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <span>
        {props.label}
        {props.hint && <span className="ml-1 font-mono text-[11px] text-muted">{props.hint}</span>}
      </span>
    </label>
  );
}

/** Remove one field's rule: any granted agent may then write it, so always with a reason. */
export function RemoveOwnershipDialog(props: { row: TOwnershipRow; onClose: () => void }) {
  const [reason, setReason] = useState("");
  const errs = useFormErrors<"reason">((p) => (p === "reason" ? "reason" : null));
  const save = useSave();
  function submit(e: React.FormEvent) {
    e.preventDefault();
    const body = { reason, expectedUpdatedAt: props.row.updatedAt };
    if (!errs.check(ZDeleteFieldOwnershipInput, body)) return;
    errs.clear();
    save.mutate(
      { url: `${OWNERSHIP_URL}/${encodeURIComponent(props.row.id)}`, method: "DELETE", body },
      { onSuccess: props.onClose, onError: errs.fromServer },
    );
  }
  return (
    <Dialog
      open
      onOpenChange={(o) => !o && props.onClose()}
      title={`Remove the rule of ${props.row.object}.${props.row.field}`}
      description="Without a rule any agent with a grant may write this field, whatever its system of record."
    >
      <form onSubmit={submit} noValidate aria-label="Remove field ownership" className="space-y-3">
        <ReasonField
          label="Reason"
          error={errs.errors.reason}
          value={reason}
          onChange={setReason}
        />
        {errs.formError && (
          <Alert tone="error" size="sm">
            {errs.formError}
          </Alert>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" busy={save.isPending} busyLabel="Removing…">
            Remove the rule
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
