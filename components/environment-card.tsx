"use client";

import { useState } from "react";
import type { TPublicConnection } from "@/lib/environments/salesforce-connection";
import { Badge } from "./ui";
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const status = STATUS[env.status as keyof typeof STATUS] ?? STATUS.untested;
  const pct = env.apiUsage ? Math.min(100, (env.apiUsage.used / env.apiUsage.limit) * 100) : 0;

  async function run(fn: () => Promise<TEnv>) {
    setBusy(true);
    setError(null);
    try {
      setEnv(await fn());
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  }

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
    <section
      data-testid={`env-${env.slug}`}
      className="rounded-xl border border-slate-200 bg-white p-5"
    >
      <div className="flex items-start justify-between">
        <div>
          <h2 className="font-semibold">{env.name}</h2>
          <div className="font-mono text-xs text-slate-500">{env.slug}</div>
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
        <div className="flex justify-between text-xs text-slate-500">
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
        <p
          data-testid="last-error"
          className="mt-3 rounded-md bg-red-50 px-3 py-2 text-xs text-red-700"
        >
          {env.lastError}
        </p>
      )}
      {error && (
        <p role="status" className="mt-3 rounded-md bg-red-50 px-3 py-2 text-xs text-red-700">
          {error}
        </p>
      )}
      {canEdit && !editing && (
        <div className="mt-4 flex gap-2">
          <button
            type="button"
            disabled={busy}
            onClick={() => run(() => send(`/api/internal/environments/${env.slug}/test`, "POST"))}
            className="rounded-md bg-slate-900 px-3 py-1.5 text-xs font-medium text-white hover:bg-slate-700 disabled:opacity-60"
          >
            {busy ? "Testing…" : "Test connection"}
          </button>
          <button
            type="button"
            onClick={() => setEditing(true)}
            className="rounded-md px-3 py-1.5 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            Edit connection
          </button>
        </div>
      )}
      {canEdit && editing && (
        <form onSubmit={onSave} className="mt-4 space-y-2 border-t border-slate-100 pt-4">
          <label className="block text-xs">
            <span className="font-medium text-slate-600">Connection</span>
            <select
              name="connectionKind"
              defaultValue={env.connectionKind}
              className="mt-0.5 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
            >
              <option value="salesforce">Salesforce org (login, test or My Domain)</option>
              <option value="sandbox">Bundled sandbox (this machine)</option>
            </select>
          </label>
          <Field
            name="loginUrl"
            label="Login URL"
            defaultValue={env.loginUrl ?? "https://login.salesforce.com"}
          />
          <Field name="apiVersion" label="API version" defaultValue={env.apiVersion} />
          <Field name="clientId" label="Consumer key" defaultValue={env.clientId ?? ""} />
          <Field
            name="clientSecret"
            label="Consumer secret"
            type="password"
            placeholder={env.hasClientSecret ? "unchanged (required for a new host)" : ""}
          />
          <Field name="username" label="Integration username" defaultValue={env.username ?? ""} />
          <Field
            name="password"
            label="Password (+ security token)"
            type="password"
            placeholder={env.hasPassword ? "unchanged (required for a new host)" : ""}
          />
          <div className="flex gap-2 pt-1">
            <button
              type="submit"
              disabled={busy}
              className="rounded-md bg-indigo-600 px-3 py-1.5 text-xs font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
            >
              Save
            </button>
            <button
              type="button"
              onClick={() => setEditing(false)}
              className="rounded-md px-3 py-1.5 text-xs font-medium text-slate-700 ring-1 ring-slate-300"
            >
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function Row({ label, value, mono }: { label: string; value: string | null; mono?: boolean }) {
  return (
    <div className="flex justify-between gap-3">
      <dt className="text-slate-500">{label}</dt>
      <dd
        className={`truncate text-right ${mono ? "font-mono text-xs" : ""}`}
        title={value ?? undefined}
      >
        {value ?? <span className="text-slate-400">—</span>}
      </dd>
    </div>
  );
}

function Field(props: {
  name: string;
  label: string;
  defaultValue?: string;
  type?: string;
  placeholder?: string;
}) {
  return (
    <label className="block text-xs">
      <span className="font-medium text-slate-600">{props.label}</span>
      <input
        name={props.name}
        type={props.type ?? "text"}
        defaultValue={props.defaultValue}
        placeholder={props.placeholder}
        autoComplete="off"
        className="mt-0.5 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
      />
    </label>
  );
}
