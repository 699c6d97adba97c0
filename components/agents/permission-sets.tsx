"use client";

import { useState } from "react";
import {
  Button,
  Dialog,
  Field,
  Input,
  Select,
  Table,
  Textarea,
  useHydrated,
} from "@/components/ui";
import { ZCreatePermissionSetInput } from "@/lib/agents/schemas";
import { useFormErrors } from "./form-errors";
import { FormProblem, ReasonDialog } from "./grant-dialogs";
import { useScopeChange, type TAgentGrantsData, type TGrantSetRow } from "./queries";

type TOpen = { kind: "attach" } | { kind: "detach"; set: TGrantSetRow } | { kind: "create" } | null;

/**
 * The permission sets the agent has (grants come from them): attach another set of its
 * environment, detach one (its grants stay for the set's other agents), or create a new set —
 * whose first grant is added right after. Its own elevation set is made by Elevate and not
 * detached here.
 */
export function PermissionSets(props: {
  agentId: string;
  data: TAgentGrantsData;
  canEdit: boolean;
  onAddGrant: (setId: string) => void;
}) {
  const hydrated = useHydrated();
  const [open, setOpen] = useState<TOpen>(null);
  const sets = props.data.sets;

  return (
    <section aria-labelledby="sets-heading" className="mt-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h3 id="sets-heading" className="text-sm font-semibold">
            Permission sets
          </h3>
          <p className="mt-0.5 text-xs text-muted">
            A set can be shared by several agents: a grant changed in it changes for each of them.
          </p>
        </div>
        {props.canEdit && (
          <div className="flex gap-2">
            <Button
              variant="secondary"
              disabled={!hydrated || props.data.attachable.length === 0}
              onClick={() => setOpen({ kind: "attach" })}
            >
              Attach a set
            </Button>
            <Button
              variant="secondary"
              disabled={!hydrated}
              onClick={() => setOpen({ kind: "create" })}
            >
              New permission set
            </Button>
          </div>
        )}
      </div>
      {sets.length === 0 ? (
        <p className="mt-2 text-xs text-muted">No permission set is attached.</p>
      ) : (
        <Table.Frame label="Permission sets" minWidth="48rem" framed={false} dense className="mt-2">
          <Table.Header
            columns={[
              "Set",
              "Domain",
              "Live grants",
              "Shared with",
              props.canEdit && { key: "actions", label: "Actions", align: "right" },
            ]}
          />
          <Table.Body>
            {sets.map((s) => (
              <tr key={s.id} data-testid={`set-${s.slug}`} className="align-top">
                <Table.Cell>
                  <div className="font-medium">{s.name}</div>
                  <div className="font-mono text-[11px] text-muted">{s.slug}</div>
                </Table.Cell>
                <Table.Cell>{s.domain}</Table.Cell>
                <Table.Cell>{s.grants.filter((g) => !g.revokedAt).length}</Table.Cell>
                <Table.Cell className="whitespace-normal">
                  {s.sharedWith.length ? s.sharedWith.join(", ") : "—"}
                </Table.Cell>
                {props.canEdit && (
                  <Table.Cell align="right" className="whitespace-nowrap">
                    {!s.elevation && (
                      <div className="flex justify-end gap-2">
                        <Button
                          size="xs"
                          variant="secondary"
                          disabled={!hydrated}
                          aria-label={`Add a grant to ${s.name}`}
                          onClick={() => props.onAddGrant(s.id)}
                        >
                          Add a grant
                        </Button>
                        <Button
                          size="xs"
                          variant="danger-outline"
                          disabled={!hydrated}
                          aria-label={`Detach ${s.name}`}
                          onClick={() => setOpen({ kind: "detach", set: s })}
                        >
                          Detach
                        </Button>
                      </div>
                    )}
                  </Table.Cell>
                )}
              </tr>
            ))}
          </Table.Body>
        </Table.Frame>
      )}

      {open?.kind === "attach" && (
        <AttachDialog agentId={props.agentId} data={props.data} onClose={() => setOpen(null)} />
      )}
      {open?.kind === "detach" && (
        <ReasonDialog
          agentId={props.agentId}
          title={`Detach ${open.set.name}`}
          description={
            open.set.sharedWith.length
              ? `The agent loses this set's grants within a second; ${open.set.sharedWith.join(", ")} keep them.`
              : "The agent loses this set's grants within a second. The set itself stays."
          }
          formLabel="Detach permission set"
          confirm="Detach set"
          busyLabel="Detaching…"
          danger
          path={`permission-sets/${open.set.id}`}
          method="DELETE"
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === "create" && (
        <CreateSetDialog
          agentId={props.agentId}
          onClose={() => setOpen(null)}
          onCreated={(setId) => {
            setOpen(null);
            props.onAddGrant(setId);
          }}
        />
      )}
    </section>
  );
}

/** Attach a set of the environment (it widens: a reason). */
function AttachDialog(props: { agentId: string; data: TAgentGrantsData; onClose: () => void }) {
  const [setId, setSetId] = useState(props.data.attachable[0]?.id ?? "");
  const chosen = props.data.attachable.find((s) => s.id === setId);
  return (
    <ReasonDialog
      agentId={props.agentId}
      title="Attach a permission set"
      description="Every live grant in the set applies to the agent within a second."
      formLabel="Attach permission set"
      confirm="Attach set"
      busyLabel="Attaching…"
      path={`permission-sets/${setId}`}
      method="PUT"
      onClose={props.onClose}
    >
      <Field
        label="Permission set"
        hint={chosen ? `${chosen.grants} live grant${chosen.grants === 1 ? "" : "s"}` : undefined}
      >
        <Select value={setId} onChange={(e) => setSetId(e.target.value)}>
          {props.data.attachable.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.slug})
            </option>
          ))}
        </Select>
      </Field>
    </ReasonDialog>
  );
}

type TKey = "slug" | "name" | "domain" | "description";

/** A new, empty set attached to the agent; the dialog for its first grant follows. */
function CreateSetDialog(props: {
  agentId: string;
  onClose: () => void;
  onCreated: (setId: string) => void;
}) {
  const [form, setForm] = useState({ slug: "", name: "", domain: "", description: "" });
  const errs = useFormErrors<TKey>((p) =>
    p === "slug" || p === "name" || p === "domain" || p === "description" ? p : null,
  );
  const change = useScopeChange<unknown>(props.agentId);
  const set = (k: TKey) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errs.check(ZCreatePermissionSetInput, form)) return;
    errs.clear();
    change.mutate(
      { path: "permission-sets", method: "POST", body: form },
      {
        onSuccess: (res) => props.onCreated((res as { permissionSetId: string }).permissionSetId),
        onError: errs.fromServer,
      },
    );
  }

  return (
    <Dialog
      open
      onOpenChange={(o) => !o && props.onClose()}
      title="New permission set"
      description="Made in the agent's environment and attached to this agent; add its grants next."
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="New permission set">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Name" error={errs.errors.name}>
            <Input autoFocus value={form.name} onChange={set("name")} />
          </Field>
          <Field label="Slug" hint="e.g. lead-titles" error={errs.errors.slug}>
            <Input className="font-mono" value={form.slug} onChange={set("slug")} />
          </Field>
        </div>
        <Field
          label="Domain"
          hint="The workflow domain, e.g. lead-enrichment"
          error={errs.errors.domain}
        >
          <Input className="font-mono" value={form.domain} onChange={set("domain")} />
        </Field>
        <Field label="Description (optional)" error={errs.errors.description}>
          <Textarea rows={2} value={form.description} onChange={set("description")} />
        </Field>
        <FormProblem message={errs.formError} conflict={errs.conflict} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={props.onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={change.isPending} busyLabel="Creating…">
            Create set
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
