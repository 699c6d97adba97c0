"use client";

import { useState } from "react";
import type { z } from "zod";
import { Alert, Button, Dialog, Field, Input, ReasonField, Select } from "@/components/ui";
import {
  GRANT_OPERATIONS,
  grantWidens,
  splitList,
  ZAddGrantInput,
  ZGrantScope,
  ZReplaceGrantInput,
  ZRevokeGrantInput,
  type TGrantOperation,
} from "@/lib/agents/schemas";
import { useFormErrors } from "./form-errors";
import { useScopeChange, type TGrantRow, type TGrantSetRow } from "./queries";

/** What a dialog's problem+json or zod path names → the form field it belongs to. */
type TKey = "permissionSetId" | "object" | "operations" | "fields" | "recordCondition" | "reason";
const FIELD_OF: Record<string, TKey> = {
  permissionSetId: "permissionSetId",
  "scope.object": "object",
  "scope.operations": "operations",
  "scope.fields": "fields",
  "scope.recordCondition": "recordCondition",
  reason: "reason",
};
const fieldOf = (path: string) =>
  FIELD_OF[path] ?? FIELD_OF[path.split(".").slice(0, 2).join(".")] ?? null;

/** The form's message above its buttons; on a 409, the way out: read the agent's scope again. */
export function FormProblem(props: { message: string | null; conflict: boolean }) {
  if (!props.message) return null;
  if (!props.conflict) {
    return (
      <Alert tone="error" size="sm">
        {props.message}
      </Alert>
    );
  }
  return (
    <Alert tone="error" size="sm" data-testid="conflict">
      Changed by someone else since you opened it: reload to see the change.{" "}
      <Button size="inline" variant="link" onClick={() => window.location.reload()}>
        Reload
      </Button>
    </Alert>
  );
}

type TForm = {
  permissionSetId: string;
  object: string;
  operations: TGrantOperation[];
  fields: string;
  recordCondition: string;
  reason: string;
};

const scopeOf = (f: TForm) => ({
  object: f.object,
  operations: f.operations,
  fields: splitList(f.fields),
  recordCondition: f.recordCondition,
});

/**
 * Add a grant to one of the agent's standing permission sets, or edit one (`grant` given): an
 * edit revokes the grant and makes a new one, so the history keeps what the agent could do when.
 * Checked with the route's own schema first; a wider edit asks for a reason (the server, which
 * decides with the same `grantWidens`, says so too if the form did not know).
 */
export function GrantDialog(props: {
  agentId: string;
  sets: TGrantSetRow[];
  /** the grant being edited; without it a new grant */
  grant?: TGrantRow & { setId: string };
  /** the set preselected for a new grant */
  setId?: string;
  onClose: () => void;
}) {
  const editing = props.grant;
  const [form, setForm] = useState<TForm>(() =>
    editing
      ? {
          permissionSetId: editing.setId,
          object: editing.object,
          operations: editing.operations as TGrantOperation[],
          fields: editing.fields.join(", "),
          recordCondition: editing.recordCondition ?? "",
          reason: "",
        }
      : {
          permissionSetId: props.setId ?? props.sets[0]?.id ?? "",
          object: "",
          operations: ["update"],
          fields: "",
          recordCondition: "",
          reason: "",
        },
  );
  const errs = useFormErrors<TKey>(fieldOf);
  const change = useScopeChange<unknown>(props.agentId);
  const set = (k: Exclude<keyof TForm, "operations">) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));
  const toggle = (op: TGrantOperation) =>
    setForm((f) => ({
      ...f,
      operations: f.operations.includes(op)
        ? f.operations.filter((o) => o !== op)
        : GRANT_OPERATIONS.filter((o) => o === op || f.operations.includes(o)),
    }));

  // the same verdict the server will give, once the scope parses
  const parsed = ZGrantScope.safeParse(scopeOf(form));
  const widens =
    !editing ||
    (parsed.success &&
      grantWidens(
        {
          object: editing.object,
          operations: editing.operations,
          fields: editing.fields,
          recordCondition: editing.recordCondition,
        },
        parsed.data,
      ));
  const set_ = props.sets.find((s) => s.id === form.permissionSetId);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const body = editing
      ? { scope: scopeOf(form), reason: form.reason }
      : { permissionSetId: form.permissionSetId, scope: scopeOf(form), reason: form.reason };
    const schema: z.ZodType = editing ? ZReplaceGrantInput : ZAddGrantInput;
    if (!errs.check(schema, body)) return;
    if (editing && widens && form.reason.trim().length < 3) {
      // the server's own words for it (lib/agents/grants.ts replaceGrant)
      errs.show(
        [{ path: "reason", message: "Say why the agent may do more (at least 3 characters)" }],
        "The new scope lets the agent do more: say why",
      );
      return;
    }
    errs.clear();
    change.mutate(
      editing
        ? { path: `grants/${editing.id}`, method: "PUT", body }
        : { path: "grants", method: "POST", body },
      { onSuccess: props.onClose, onError: errs.fromServer },
    );
  }

  const standing = props.sets.filter((s) => !s.elevation);
  return (
    <Dialog
      open
      onOpenChange={(o) => !o && props.onClose()}
      title={editing ? `Edit grant: ${editing.object}` : "Add grant"}
      description={
        editing
          ? "The grant is revoked and a new one made with this scope (the old one stays in the history). An elevation keeps its end."
          : "A standing grant in one of the agent's permission sets. It applies within a second, on every instance."
      }
    >
      <form
        onSubmit={submit}
        noValidate
        className="space-y-3"
        aria-label={editing ? "Edit grant" : "Add grant"}
      >
        {!editing && (
          <Field label="Permission set" error={errs.errors.permissionSetId}>
            <Select value={form.permissionSetId} onChange={set("permissionSetId")}>
              {standing.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.slug})
                </option>
              ))}
            </Select>
          </Field>
        )}
        {set_ && set_.sharedWith.length > 0 && (
          <Alert tone="warning" size="sm">
            {set_.name} is shared with {set_.sharedWith.join(", ")}: this change applies to them
            too.
          </Alert>
        )}
        <Field label="Object" error={errs.errors.object}>
          <Input
            autoFocus
            value={form.object}
            onChange={set("object")}
            placeholder="e.g. Opportunity"
          />
        </Field>
        <fieldset aria-describedby={errs.errors.operations ? "grant-ops-error" : undefined}>
          <legend className="text-xs font-medium text-slate-700">Operations</legend>
          <div className="mt-1 flex flex-wrap gap-4">
            {GRANT_OPERATIONS.map((op) => (
              <label key={op} className="flex items-center gap-1.5 text-sm">
                <input
                  type="checkbox"
                  checked={form.operations.includes(op)}
                  onChange={() => toggle(op)}
                />
                {op}
              </label>
            ))}
          </div>
          {errs.errors.operations && (
            <p id="grant-ops-error" role="alert" className="mt-1 text-xs text-danger">
              {errs.errors.operations}
            </p>
          )}
        </fieldset>
        <Field label="Fields" hint="API names, separated by commas" error={errs.errors.fields}>
          <Input
            value={form.fields}
            onChange={set("fields")}
            placeholder="e.g. StageName, Amount"
          />
        </Field>
        <Field
          label="Record condition (optional)"
          hint="Only records where this holds, e.g. Amount < 100000"
          error={errs.errors.recordCondition}
        >
          <Input
            className="font-mono"
            value={form.recordCondition}
            onChange={set("recordCondition")}
          />
        </Field>
        <ReasonField
          label={editing && !widens ? "Reason (optional)" : "Reason"}
          hint={
            editing
              ? widens
                ? "This lets the agent do more than before: say why."
                : "Narrower than before: a reason is optional."
              : "Goes into the audit trail."
          }
          value={form.reason}
          onChange={(reason) => setForm((f) => ({ ...f, reason }))}
          error={errs.errors.reason}
        />
        <FormProblem message={errs.formError} conflict={errs.conflict} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={change.isPending} busyLabel="Saving…">
            {editing ? "Save grant" : "Add grant"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * A change that takes only a reason: revoke a grant, end an elevation early, attach or detach a
 * permission set. `path` and `method` are the route under the agent.
 */
export function ReasonDialog(props: {
  agentId: string;
  title: string;
  description: React.ReactNode;
  formLabel: string;
  confirm: string;
  busyLabel: string;
  danger?: boolean;
  path: string;
  method: "PUT" | "DELETE";
  onClose: () => void;
  children?: React.ReactNode;
}) {
  const [reason, setReason] = useState("");
  const errs = useFormErrors<"reason">((p) => (p === "reason" ? "reason" : null));
  const change = useScopeChange<unknown>(props.agentId);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const body = { reason };
    if (!errs.check(ZRevokeGrantInput, body)) return;
    errs.clear();
    change.mutate(
      { path: props.path, method: props.method, body },
      { onSuccess: props.onClose, onError: errs.fromServer },
    );
  }

  return (
    <Dialog
      open
      role={props.danger ? "alertdialog" : "dialog"}
      onOpenChange={(o) => !o && props.onClose()}
      title={props.title}
      description={props.description}
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label={props.formLabel}>
        {props.children}
        <ReasonField autoFocus value={reason} onChange={setReason} error={errs.errors.reason} />
        <FormProblem message={errs.formError} conflict={errs.conflict} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant={props.danger ? "danger" : "primary"}
            busy={change.isPending}
            busyLabel={props.busyLabel}
          >
            {props.confirm}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
