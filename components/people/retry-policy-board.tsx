"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TSerialized } from "@/lib/core/serialize";
import type { TRetryPolicyRow } from "@/lib/execution/dead-letters";
import { ZRetryResetInput, ZRetryRuleInput } from "@/lib/execution/retry-policy-input";
import { Alert, Button, Dialog, Field, Input } from "@/components/ui";
import { sendJson } from "@/components/send-json";
import { formatMs } from "@/components/dead-letters/labels";
import { RetryPolicyRows } from "@/components/dead-letters/retry-policy-table";

type TRow = TSerialized<TRetryPolicyRow>;
const KEY = ["retry-policies"] as const;
const url = (errorClass: string) => `/api/internal/retry-policies/${errorClass}`;

/** Each error class's retry rule in effect, default or saved, with edit and reset (admins). */
export function RetryPolicyBoard({
  initial,
  renderedAt,
  canWrite,
}: {
  initial: TRow[];
  renderedAt: string;
  canWrite: boolean;
}) {
  const rows = useQuery({
    queryKey: KEY,
    queryFn: async () =>
      (await sendJson<{ retryPolicy: TRow[] }>("/api/internal/retry-policies")).retryPolicy,
    initialData: initial,
    initialDataUpdatedAt: new Date(renderedAt).getTime(),
  }).data;
  return (
    <RetryPolicyRows
      rows={rows}
      label="Retry policies"
      testIdPrefix="retry"
      source
      action={canWrite ? (r) => r.tunable && <EditRule row={r} /> : undefined}
    />
  );
}

const label = (c: string) => c.replaceAll("_", " ");

function EditRule({ row }: { row: TRow }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({
    maxAttempts: "",
    backoffMs: "",
    factor: "",
    maxBackoffMs: "",
  });
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const send = useMutation({
    mutationFn: ({ path, method, body }: { path: string; method: string; body: unknown }) =>
      sendJson(path, method, body),
    onSettled: () => client.invalidateQueries({ queryKey: KEY }),
  });
  const expectedUpdatedAt = row.updatedAt;

  function start() {
    setForm({
      maxAttempts: String(row.maxAttempts),
      backoffMs: String(row.backoffMs),
      factor: String(row.factor),
      maxBackoffMs: String(row.maxBackoffMs),
    });
    setReason("");
    setError(null);
    setFieldErrors({});
    setOpen(true);
  }
  async function save() {
    const checked = ZRetryRuleInput.safeParse({
      maxAttempts: Number(form.maxAttempts),
      backoffMs: Number(form.backoffMs),
      factor: Number(form.factor),
      maxBackoffMs: Number(form.maxBackoffMs),
      expectedUpdatedAt,
      reason: reason || undefined,
    });
    if (!checked.success) {
      setFieldErrors(
        Object.fromEntries(checked.error.issues.map((i) => [String(i.path[0]), i.message])),
      );
      return;
    }
    setFieldErrors({});
    await finish({ path: url(row.errorClass), method: "PUT", body: checked.data });
  }
  async function reset() {
    const checked = ZRetryResetInput.parse({ expectedUpdatedAt, reason: reason || undefined });
    await finish({ path: `${url(row.errorClass)}/reset`, method: "POST", body: checked });
  }
  async function finish(args: { path: string; method: string; body: unknown }) {
    setError(null);
    try {
      await send.mutateAsync(args);
      setOpen(false);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  const field = (key: keyof typeof form, text: string, hint: string) => (
    <Field label={text} hint={hint} error={fieldErrors[key]}>
      <Input
        inputMode="decimal"
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
      />
    </Field>
  );
  return (
    <>
      <Button size="xs" variant="secondary" onClick={start}>
        Edit<span className="sr-only"> {label(row.errorClass)}</span>
      </Button>
      <Dialog
        open={open}
        onOpenChange={setOpen}
        title={`Retry policy: ${label(row.errorClass)}`}
        description={`Default: ${row.defaultRule.maxAttempts} tries, first wait ${formatMs(row.defaultRule.backoffMs)}, ×${row.defaultRule.factor}, at most ${formatMs(row.defaultRule.maxBackoffMs)}. The next retry decided after you save uses it.`}
        footer={
          <>
            {row.overridden && (
              <Button variant="danger-outline" busy={send.isPending} onClick={() => void reset()}>
                Reset to default
              </Button>
            )}
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button busy={send.isPending} busyLabel="Saving…" onClick={() => void save()}>
              Save
            </Button>
          </>
        }
      >
        <div className="grid grid-cols-2 gap-3">
          {field("maxAttempts", "Max tries", "0–20 in all; 0 or 1: never retried")}
          {field("backoffMs", "First wait (ms)", "at least 100")}
          {field("factor", "Factor", "1–10: each wait is the last × this")}
          {field("maxBackoffMs", "Longest wait (ms)", "at least the first wait")}
        </div>
        <Field label="Reason (optional)" className="mt-3">
          <Input value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        {error && (
          <Alert tone="error" className="mt-3" data-testid="retry-error">
            {error}
          </Alert>
        )}
      </Dialog>
    </>
  );
}
