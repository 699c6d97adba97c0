"use client";

import { useState } from "react";
import {
  WEEKDAYS,
  ZCreateGroupInput,
  ZGroupRotationInput,
  ZGroupSlaInput,
  ZGroupWebhookInput,
} from "@/lib/groups/group-input";
import { Alert, Button, Dialog, Field, Input, Select } from "@/components/ui";
import { useGroupChange, type TGroup } from "./group-queries";

const firstIssue = (e: { issues: { path: PropertyKey[]; message: string }[] }) => {
  const i = e.issues[0];
  return i ? `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}` : "Invalid";
};

/** A small form's frame: its fields, a save button and the refusal, if any. */
function FormError({ error, testId }: { error: string | null; testId: string }) {
  return error ? (
    <Alert tone="error" className="mt-2" data-testid={testId}>
      {error}
    </Alert>
  ) : null;
}

export function CreateGroup() {
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const change = useGroupChange("");
  async function save() {
    const checked = ZCreateGroupInput.safeParse({ key, name });
    if (!checked.success) return setError(firstIssue(checked.error));
    try {
      await change.mutateAsync(checked.data);
      setOpen(false);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <>
      <Button
        onClick={() => {
          setKey("");
          setName("");
          setError(null);
          setOpen(true);
        }}
      >
        New group
      </Button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title="New approver group"
        description="Matrix rules name a group by its key."
        footer={
          <>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button busy={change.isPending} busyLabel="Creating…" onClick={() => void save()}>
              Create
            </Button>
          </>
        }
      >
        <div className="space-y-3">
          <Field label="Name">
            <Input value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label="Key" hint="Lower-case letters, digits and _, e.g. pricing_desk">
            <Input value={key} onChange={(e) => setKey(e.target.value)} />
          </Field>
        </div>
        <FormError error={error} testId="create-group-error" />
      </Dialog>
    </>
  );
}

export function GroupSlaForm({ group }: { group: TGroup }) {
  const [value, setValue] = useState(group.slaMinutes?.toString() ?? "");
  const [error, setError] = useState<string | null>(null);
  const change = useGroupChange(`/${group.key}/sla`);
  async function save() {
    const checked = ZGroupSlaInput.safeParse({
      slaMinutes: value.trim() === "" ? null : Number(value),
      expectedUpdatedAt: group.updatedAt,
    });
    if (!checked.success) return setError(firstIssue(checked.error));
    setError(null);
    await change.mutateAsync(checked.data).catch((e: Error) => setError(e.message));
  }
  return (
    <div>
      <div className="flex items-end gap-2">
        <Field
          label="Default SLA (minutes)"
          hint="For requests waiting for this group whose rule sets none; empty: none"
          className="w-64"
        >
          <Input inputMode="numeric" value={value} onChange={(e) => setValue(e.target.value)} />
        </Field>
        <Button variant="secondary" busy={change.isPending} onClick={() => void save()}>
          Save SLA
        </Button>
      </div>
      <FormError error={error} testId={`sla-error-${group.key}`} />
    </div>
  );
}

export function GroupWebhookForm({ group }: { group: TGroup }) {
  const [url, setUrl] = useState(group.webhookUrl ?? "");
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const change = useGroupChange<{ secret: string | null }>(`/${group.key}/webhook`);
  async function save(next: string | null) {
    const checked = ZGroupWebhookInput.safeParse({
      url: next,
      expectedUpdatedAt: group.updatedAt,
    });
    if (!checked.success) return setError(firstIssue(checked.error));
    setError(null);
    setSecret(null);
    try {
      const res = await change.mutateAsync(checked.data);
      setSecret(res.secret);
      if (next === null) setUrl("");
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <div>
      <div className="flex flex-wrap items-end gap-2">
        <Field
          label="Escalation webhook"
          hint="https to a public address; each save makes a new signing secret"
          className="min-w-0 flex-1"
        >
          <Input
            value={url}
            placeholder="https://hooks.example.com/…"
            onChange={(e) => setUrl(e.target.value)}
          />
        </Field>
        <Button variant="secondary" busy={change.isPending} onClick={() => void save(url)}>
          Save webhook
        </Button>
        {group.webhookUrl && (
          <Button variant="danger-outline" onClick={() => void save(null)}>
            Turn off
          </Button>
        )}
      </div>
      {secret && (
        <Alert tone="success" className="mt-2" data-testid={`webhook-secret-${group.key}`}>
          Signing secret, shown only now: <code className="break-all font-mono">{secret}</code>
        </Alert>
      )}
      <FormError error={error} testId={`webhook-error-${group.key}`} />
    </div>
  );
}

/** The on-call order (move up/down, take out, add a member) and the weekly handoff. */
export function RotationForm({ group }: { group: TGroup }) {
  // only people who may decide approvals can be on call (the server refuses anyone else)
  const active = group.members.filter((m) => m.mayDecide);
  const [order, setOrder] = useState<string[]>(
    group.rotation?.order.map((p) => p.id).filter((id) => active.some((m) => m.id === id)) ?? [],
  );
  const [weekday, setWeekday] = useState(group.rotation?.handoffWeekday ?? 1);
  const [time, setTime] = useState(group.rotation?.handoffTime ?? "09:00");
  const [zone, setZone] = useState(group.rotation?.handoffZone ?? "UTC");
  const [error, setError] = useState<string | null>(null);
  const change = useGroupChange(`/${group.key}/rotation`);
  const nameOf = (id: string) => active.find((m) => m.id === id)?.name ?? id;
  const move = (i: number, by: number) => {
    const next = [...order];
    [next[i], next[i + by]] = [next[i + by], next[i]];
    setOrder(next);
  };
  async function save() {
    const checked = ZGroupRotationInput.safeParse({
      rotation: order,
      handoffWeekday: weekday,
      handoffTime: time,
      handoffZone: zone,
      expectedUpdatedAt: group.updatedAt,
    });
    if (!checked.success) return setError(firstIssue(checked.error));
    setError(null);
    await change.mutateAsync(checked.data).catch((e: Error) => setError(e.message));
  }
  const left = active.filter((m) => !order.includes(m.id));
  return (
    <div className="space-y-2">
      <h4 className="text-xs font-medium text-slate-700">On-call rotation</h4>
      <ol className="space-y-1" aria-label={`On-call order of ${group.name}`}>
        {order.map((id, i) => (
          <li key={id} className="flex items-center gap-2 text-sm">
            <span className="w-5 text-right text-muted">{i + 1}.</span>
            <span className="min-w-0 flex-1">{nameOf(id)}</span>
            <Button size="xs" variant="ghost" disabled={i === 0} onClick={() => move(i, -1)}>
              Up<span className="sr-only"> {nameOf(id)}</span>
            </Button>
            <Button
              size="xs"
              variant="ghost"
              disabled={i === order.length - 1}
              onClick={() => move(i, 1)}
            >
              Down<span className="sr-only"> {nameOf(id)}</span>
            </Button>
            <Button
              size="xs"
              variant="ghost"
              onClick={() => setOrder(order.filter((x) => x !== id))}
            >
              Take out<span className="sr-only"> {nameOf(id)}</span>
            </Button>
          </li>
        ))}
        {order.length === 0 && <li className="text-sm text-muted">Nobody: no rotation.</li>}
      </ol>
      {left.length > 0 && (
        <Field label="Add to the rotation" className="w-64">
          <Select value="" onChange={(e) => e.target.value && setOrder([...order, e.target.value])}>
            <option value="">Choose a member…</option>
            {left.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </Select>
        </Field>
      )}
      <div className="flex flex-wrap items-end gap-2">
        <Field label="Handoff day">
          <Select value={weekday} onChange={(e) => setWeekday(Number(e.target.value))}>
            {WEEKDAYS.map((d, i) => (
              <option key={d} value={i}>
                {d}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="at (HH:MM)">
          <Input className="w-24" value={time} onChange={(e) => setTime(e.target.value)} />
        </Field>
        <Field label="Time zone">
          <Input className="w-48" value={zone} onChange={(e) => setZone(e.target.value)} />
        </Field>
        <Button variant="secondary" busy={change.isPending} onClick={() => void save()}>
          Save rotation
        </Button>
      </div>
      <FormError error={error} testId={`rotation-error-${group.key}`} />
    </div>
  );
}
