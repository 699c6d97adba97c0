"use client";

import { useState } from "react";
import type { TPublicConnection } from "@/lib/environments/salesforce-connection";
import { Alert, Badge, Button, Card, Field, Input, Select, alertClass, cx, useAction } from "./ui";
import { formatTime } from "./format";

type TEnv = Omit<TPublicConnection, "lastCheckedAt" | "apiUsage"> & {
  lastCheckedAt: string | null;
  apiUsage: { used: number; limit: number; at: string | null } | null;
};

const STATUS = {
  ok: { tone: "green", label: "Connected" },
  error: { tone: "red", label: "Failing" },
  untested: { tone: "amber", label: "Not tested yet" },
  unconfigured: { tone: "gray", label: "Not configured" },
} as const;

async function send(url: string, method: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) {
    const fields = (json.errors ?? []).map(
      (e: { path: string; message: string }) => `${e.path}: ${e.message}`,
    );
    throw new Error([json.detail, ...fields].filter(Boolean).join(" · "));
  }
  return json.environment as TEnv;
}

export function EnvironmentCard({ env: initial, canEdit }: { env: TEnv; canEdit: boolean }) {
  const [env, setEnv] = useState(initial);
  const [editing, setEditing] = useState(false);
  const action = useAction();
  const { busy, error } = action;
  const status = STATUS[env.status as keyof typeof STATUS] ?? STATUS.untested;
  const pct = env.apiUsage ? Math.min(100, (env.apiUsage.used / env.apiUsage.limit) * 100) : 0;

  const run = (fn: () => Promise<TEnv>) => action.run(async () => setEnv(await fn()));

  async function onSave(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const ok = await run(() =>
      send(
        `/api/internal/environments/${env.slug}/connection`,
        "PUT",
        Object.fromEntries(f.entries()),
      ),
    );
    if (ok) setEditing(false);
  }

  return (
    <Card data-testid={`env-${env.slug}`}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 className="font-semibold">{env.name}</h2>
          <div className="font-mono text-xs text-muted">{env.slug}</div>
        </div>
        <Badge tone={status.tone}>{status.label}</Badge>
      </div>
      <dl className="mt-4 space-y-1.5 text-sm">
        <Row
          label="Connection"
          value={env.connectionKind === "sandbox" ? "Bundled sandbox (local)" : "Salesforce org"}
        />
        <Row label="Login URL" value={env.loginUrl} mono />
        <Row label="Instance" value={env.instanceUrl} mono />
        <Row label="API version" value={env.apiVersion} />
        <Row label="Integration user" value={env.username} />
        <Row
          label="Last checked"
          value={env.lastCheckedAt ? formatTime(env.lastCheckedAt) : "never"}
        />
      </dl>
      <div className="mt-4">
        <div className="flex justify-between text-xs text-muted">
          <span>API usage today</span>
          <span data-testid="api-usage">
            {env.apiUsage
              ? `${env.apiUsage.used.toLocaleString()} / ${env.apiUsage.limit.toLocaleString()}`
              : "not reported yet"}
          </span>
        </div>
        <div className="mt-1 h-2 rounded-full bg-slate-100">
          <div
            className={`h-2 rounded-full ${pct > 90 ? "bg-red-500" : pct > 70 ? "bg-amber-500" : "bg-emerald-500"}`}
            style={{ width: `${pct}%` }}
          />
        </div>
      </div>
      {env.lastError && (
        // the stored result of the last test, not news: no live role
        <p data-testid="last-error" className={cx(alertClass("error", "sm"), "mt-3")}>
          {env.lastError}
        </p>
      )}
      {error && (
        <Alert tone="error" size="sm" className="mt-3">
          {error}
        </Alert>
      )}
      {canEdit && !editing && (
        <div className="mt-4 flex flex-wrap gap-2">
          <Button
            busy={busy}
            busyLabel="Testing…"
            onClick={() => run(() => send(`/api/internal/environments/${env.slug}/test`, "POST"))}
          >
            Test connection
          </Button>
          <Button variant="secondary" onClick={() => setEditing(true)}>
            Edit connection
          </Button>
        </div>
      )}
      {canEdit && editing && (
        <form onSubmit={onSave} className="mt-4 space-y-2 border-t border-line pt-4">
          <Field label="Connection">
            <Select name="connectionKind" defaultValue={env.connectionKind}>
              <option value="salesforce">Salesforce org (login, test or My Domain)</option>
              <option value="sandbox">Bundled sandbox (this machine)</option>
            </Select>
          </Field>
          <TextField
            name="loginUrl"
            label="Login URL"
            defaultValue={env.loginUrl ?? "https://login.salesforce.com"}
          />
          <TextField name="apiVersion" label="API version" defaultValue={env.apiVersion} />
          <TextField name="clientId" label="Consumer key" defaultValue={env.clientId ?? ""} />
          <TextField
            name="clientSecret"
            label="Consumer secret"
            type="password"
            placeholder={env.hasClientSecret ? "unchanged (required for a new host)" : ""}
          />
          <TextField
            name="username"
            label="Integration username"
            defaultValue={env.username ?? ""}
          />
          <TextField
            name="password"
            label="Password (+ security token)"
            type="password"
            placeholder={env.hasPassword ? "unchanged (required for a new host)" : ""}
          />
          <div className="flex flex-wrap gap-2 pt-1">
            <Button type="submit" busy={busy}>
              Save
            </Button>
            <Button variant="secondary" onClick={() => setEditing(false)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </Card>
  );
}

function Row({ label, value, mono }: { label: string; value: string | null; mono?: boolean }) {
  return (
    <div className="flex justify-between gap-3">
      <dt className="text-muted">{label}</dt>
      <dd className={`min-w-0 text-right wrap-anywhere ${mono ? "font-mono text-xs" : ""}`}>
        {value ?? <span className="text-muted">—</span>}
      </dd>
    </div>
  );
}

function TextField(props: {
  name: string;
  label: string;
  defaultValue?: string;
  type?: string;
  placeholder?: string;
}) {
  return (
    <Field label={props.label}>
      <Input
        name={props.name}
        type={props.type ?? "text"}
        defaultValue={props.defaultValue}
        placeholder={props.placeholder}
        autoComplete="off"
      />
    </Field>
  );
}
