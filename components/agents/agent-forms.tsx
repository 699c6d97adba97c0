"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import {
  Alert,
  Button,
  Dialog,
  Field,
  Input,
  ReasonField,
  Select,
  Textarea,
} from "@/components/ui";
import { sendJson } from "@/components/send-json";
import {
  AGENT_LIMITS,
  ZAgentStatusInput,
  ZCreateAgentInput,
  ZUpdateAgentInput,
  type TAgentStatusAction,
} from "@/lib/agents/schemas";
import { useFormErrors } from "./form-errors";

export type TOwner = { id: string; name: string; email: string };

type TFields = {
  slug: string;
  name: string;
  description: string;
  ownerId: string;
  callsPerMinute: string;
  writesPerHour: string;
  reason: string;
};
type TKey = keyof TFields;
const KEYS: TKey[] = [
  "slug",
  "name",
  "description",
  "ownerId",
  "callsPerMinute",
  "writesPerHour",
  "reason",
];
const fieldOf = (path: string): TKey | null =>
  (KEYS as string[]).includes(path) ? (path as TKey) : null;
const num = (s: string) => (s.trim() === "" ? Number.NaN : Number(s));

/** The fields both the create and the edit form show; `slug` only when creating. */
function AgentFields(props: {
  form: TFields;
  set: (k: TKey) => (e: { target: { value: string } }) => void;
  errors: Partial<Record<TKey, string>>;
  owners: TOwner[];
  creating: boolean;
  reasonHint: string;
}) {
  const { form, set, errors } = props;
  return (
    <>
      {props.creating && (
        <Field
          label="Slug"
          hint="How the agent is named in keys, logs and field ownership; it cannot change"
          error={errors.slug}
        >
          <Input
            autoFocus
            className="font-mono"
            value={form.slug}
            onChange={set("slug")}
            placeholder="e.g. renewal-bot"
          />
        </Field>
      )}
      <Field label="Name" error={errors.name}>
        <Input autoFocus={!props.creating} value={form.name} onChange={set("name")} />
      </Field>
      <Field label="Description (optional)" error={errors.description}>
        <Textarea rows={2} value={form.description} onChange={set("description")} />
      </Field>
      <Field label="Owner" hint="The person answerable for this agent" error={errors.ownerId}>
        <Select value={form.ownerId} onChange={set("ownerId")}>
          <option value="">Choose…</option>
          {props.owners.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name} ({o.email})
            </option>
          ))}
        </Select>
      </Field>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Calls per minute" error={errors.callsPerMinute}>
          <Input
            type="number"
            inputMode="numeric"
            min={1}
            max={AGENT_LIMITS.callsPerMinute}
            value={form.callsPerMinute}
            onChange={set("callsPerMinute")}
          />
        </Field>
        <Field label="Writes per hour" error={errors.writesPerHour}>
          <Input
            type="number"
            inputMode="numeric"
            min={1}
            max={AGENT_LIMITS.writesPerHour}
            value={form.writesPerHour}
            onChange={set("writesPerHour")}
          />
        </Field>
      </div>
      {!props.creating && (
        <Field label="Reason" hint={props.reasonHint} error={errors.reason}>
          <Textarea rows={2} value={form.reason} onChange={set("reason")} />
        </Field>
      )}
    </>
  );
}

function Footer(props: { busy: boolean; label: string; busyLabel: string; onCancel: () => void }) {
  return (
    <div className="flex justify-end gap-2">
      <Button variant="secondary" onClick={props.onCancel}>
        Cancel
      </Button>
      <Button type="submit" busy={props.busy} busyLabel={props.busyLabel}>
        {props.label}
      </Button>
    </div>
  );
}

function useFields(initial: TFields) {
  const [form, setForm] = useState(initial);
  const set = (k: TKey) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.value }));
  return { form, set, reset: () => setForm(initial) };
}

/** A new agent in the environment shown; the agent's page opens once it is made. */
export function CreateAgentDialog(props: {
  environment: { slug: string; name: string };
  owners: TOwner[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const router = useRouter();
  const { form, set, reset } = useFields({
    slug: "",
    name: "",
    description: "",
    ownerId: "",
    callsPerMinute: "60",
    writesPerHour: "100",
    reason: "",
  });
  const errs = useFormErrors(fieldOf);
  const create = useMutation({
    mutationFn: (body: unknown) => sendJson<{ id: string }>("/api/internal/agents", "POST", body),
  });

  function close(next: boolean) {
    if (!next) {
      reset();
      errs.clear();
      create.reset();
    }
    props.onOpenChange(next);
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const body = {
      environment: props.environment.slug,
      slug: form.slug,
      name: form.name,
      description: form.description,
      ownerId: form.ownerId,
      callsPerMinute: num(form.callsPerMinute),
      writesPerHour: num(form.writesPerHour),
    };
    if (!errs.check(ZCreateAgentInput, body)) return;
    errs.clear();
    create.mutate(body, {
      onSuccess: (res) => router.push(`/agents/${res.id}`),
      onError: errs.fromServer,
    });
  }

  return (
    <Dialog
      open={props.open}
      onOpenChange={close}
      title={`New agent in ${props.environment.name}`}
      description="It starts in the observe phase with no permission set: it can write nothing until it is given scope."
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="New agent">
        <AgentFields
          form={form}
          set={set}
          errors={errs.errors}
          owners={props.owners}
          creating
          reasonHint=""
        />
        {errs.formError && (
          <Alert tone="error" size="sm">
            {errs.formError}
          </Alert>
        )}
        <Footer
          busy={create.isPending}
          label="Create agent"
          busyLabel="Creating…"
          onCancel={() => close(false)}
        />
      </form>
    </Dialog>
  );
}

export type TEditableAgent = {
  id: string;
  name: string;
  description: string | null;
  ownerId: string;
  callsPerMinute: number;
  writesPerHour: number;
  updatedAt: string;
};

/** Edit an agent; the server refuses an edit from a form opened before someone else's. */
export function EditAgentDialog(props: {
  agent: TEditableAgent;
  owners: TOwner[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const router = useRouter();
  const a = props.agent;
  const { form, set, reset } = useFields({
    slug: "",
    name: a.name,
    description: a.description ?? "",
    ownerId: a.ownerId,
    callsPerMinute: String(a.callsPerMinute),
    writesPerHour: String(a.writesPerHour),
    reason: "",
  });
  const errs = useFormErrors(fieldOf);
  const save = useMutation({
    mutationFn: (body: unknown) =>
      sendJson<{ changed: boolean }>(`/api/internal/agents/${a.id}`, "POST", body),
  });

  function close(next: boolean) {
    if (!next) {
      reset();
      errs.clear();
      save.reset();
    }
    props.onOpenChange(next);
  }

  const raising =
    num(form.callsPerMinute) > a.callsPerMinute || num(form.writesPerHour) > a.writesPerHour;

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const body = {
      name: form.name,
      description: form.description,
      ownerId: form.ownerId,
      callsPerMinute: num(form.callsPerMinute),
      writesPerHour: num(form.writesPerHour),
      expectedUpdatedAt: a.updatedAt,
      reason: form.reason,
    };
    if (!errs.check(ZUpdateAgentInput, body)) return;
    errs.clear();
    save.mutate(body, {
      onSuccess: () => {
        props.onOpenChange(false);
        router.refresh();
      },
      onError: errs.fromServer,
    });
  }

  return (
    <Dialog open={props.open} onOpenChange={close} title={`Edit ${a.name}`}>
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="Edit agent">
        <AgentFields
          form={form}
          set={set}
          errors={errs.errors}
          owners={props.owners}
          creating={false}
          reasonHint={
            raising
              ? "Required: a higher limit lets the agent do more"
              : "Optional unless a limit goes up"
          }
        />
        {errs.formError && (
          <Alert tone="error" size="sm">
            {errs.formError}
          </Alert>
        )}
        <Footer
          busy={save.isPending}
          label="Save"
          busyLabel="Saving…"
          onCancel={() => close(false)}
        />
      </form>
    </Dialog>
  );
}

const STATUS_COPY: Record<
  TAgentStatusAction,
  { title: string; text: string; button: string; busy: string; danger: boolean }
> = {
  suspend: {
    title: "Suspend",
    text: "The agent's requests are refused (agent_inactive) until it is resumed, and its waiting writes that Tollgate approved on its own go back to a person's approval. Its keys, scope and history stay.",
    button: "Suspend agent",
    busy: "Suspending…",
    danger: true,
  },
  resume: {
    title: "Resume",
    text: "The agent may call again with its keys and scope as they are.",
    button: "Resume agent",
    busy: "Resuming…",
    danger: false,
  },
  retire: {
    title: "Retire",
    text: "Retirement is final: the agent's requests are refused for good, its waiting work expires, it gets no new keys and it cannot be resumed or changed. Its history stays.",
    button: "Retire agent",
    busy: "Retiring…",
    danger: true,
  },
};

/** Suspend, resume or retire, with the reason the audit trail keeps. */
export function AgentStatusDialog(props: {
  agentId: string;
  agentName: string;
  action: TAgentStatusAction | null;
  onClose: () => void;
}) {
  const router = useRouter();
  const [reason, setReason] = useState("");
  const errs = useFormErrors((p) => (p === "reason" ? "reason" : null));
  const change = useMutation({
    mutationFn: (body: unknown) =>
      sendJson<{ status: string }>(`/api/internal/agents/${props.agentId}/status`, "POST", body),
  });
  const action = props.action;
  const copy = action ? STATUS_COPY[action] : null;

  function close() {
    setReason("");
    errs.clear();
    change.reset();
    props.onClose();
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!action) return;
    const body = { action, reason };
    if (!errs.check(ZAgentStatusInput, body)) return;
    errs.clear();
    change.mutate(body, {
      onSuccess: () => {
        close();
        router.refresh();
      },
      onError: errs.fromServer,
    });
  }

  return (
    <Dialog
      open={!!action}
      onOpenChange={(o) => !o && close()}
      role={copy?.danger ? "alertdialog" : "dialog"}
      title={copy ? `${copy.title} ${props.agentName}` : ""}
      description={copy?.text}
    >
      <form onSubmit={submit} noValidate className="space-y-3" aria-label="Status change">
        <ReasonField autoFocus value={reason} onChange={setReason} error={errs.errors.reason} />
        {errs.formError && (
          <Alert tone="error" size="sm">
            {errs.formError}
          </Alert>
        )}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant={copy?.danger ? "danger" : "primary"}
            busy={change.isPending}
            busyLabel={copy?.busy}
          >
            {copy?.button}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
