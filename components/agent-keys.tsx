"use client";

import { useState } from "react";
import type { TAgentKey } from "@/lib/agents/agent-keys";
import { Badge, TableFrame } from "./ui";
import { formatTime } from "./format";
import { sendJson } from "./send-json";
import { CreateKeyForm, NewKeySecret, RevokeKeyForm, RotateKeysForm } from "./agent-key-forms";
import type { TSecret } from "./agent-key-types";

export type TKeyRow = Omit<
  TAgentKey,
  "createdAt" | "expiresAt" | "revokedAt" | "lastUsedAt" | "rotatedAt"
> & {
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  rotatedAt: string | null;
};

type TPanel = null | "create" | "rotate" | { revoke: string };

/**
 * An agent's API keys. Writes answer with the fresh key list; a new plaintext lives only in
 * this component's state until the person dismisses it or leaves the page.
 */
export function AgentKeys(props: {
  agentId: string;
  keys: TKeyRow[];
  canWrite: boolean;
  retired: boolean;
}) {
  const [keys, setKeys] = useState(props.keys);
  const [panel, setPanel] = useState<TPanel>(null);
  const [secret, setSecret] = useState<TSecret | null>(null);
  const base = `/api/internal/agents/${props.agentId}/keys`;

  async function create(body: { label?: string; expiresInDays?: number | null }) {
    const res = await sendJson<TSecret & { keys: TKeyRow[] }>(base, "POST", body);
    setKeys(res.keys);
    setSecret({ plaintext: res.plaintext, prefix: res.prefix });
    setPanel(null);
  }

  async function rotate(graceMinutes: number) {
    const res = await sendJson<TSecret & { keys: TKeyRow[] }>(`${base}/rotate`, "POST", {
      graceMinutes,
    });
    setKeys(res.keys);
    setSecret({ plaintext: res.plaintext, prefix: res.prefix, graceUntil: res.graceUntil });
    setPanel(null);
  }

  async function revoke(keyId: string, reason: string) {
    const res = await sendJson<{ keys: TKeyRow[] }>(`${base}/${keyId}/revoke`, "POST", {
      reason,
    });
    setKeys(res.keys);
    setPanel(null);
  }

  const usable = keys.filter((k) => k.state === "active" || k.state === "grace").length;
  const canMint = props.canWrite && !props.retired;

  return (
    <section
      aria-labelledby="api-keys-heading"
      className="mt-4 rounded-xl border border-slate-200 bg-white p-5"
    >
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="api-keys-heading" className="font-semibold">
            API keys
          </h2>
          <p className="mt-0.5 text-xs text-slate-500">
            {usable} key{usable === 1 ? "" : "s"} can call the agent API. Only a key&apos;s prefix
            is kept readable; the full key is shown once, when it is made.
          </p>
        </div>
        {canMint && (
          <div className="flex gap-2">
            <button
              type="button"
              onClick={() => setPanel("create")}
              className="rounded-md bg-indigo-600 px-3 py-1.5 text-xs font-medium text-white hover:bg-indigo-700"
            >
              Create key
            </button>
            <button
              type="button"
              onClick={() => setPanel("rotate")}
              className="rounded-md px-3 py-1.5 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
            >
              Rotate keys
            </button>
          </div>
        )}
      </div>
      {props.canWrite && props.retired && (
        <p className="mt-2 text-xs text-slate-500">This agent is retired: it gets no new keys.</p>
      )}

      {secret && <NewKeySecret secret={secret} onDone={() => setSecret(null)} />}
      {panel === "create" && <CreateKeyForm onSubmit={create} onCancel={() => setPanel(null)} />}
      {panel === "rotate" && (
        <RotateKeysForm
          onSubmit={rotate}
          onCancel={() => setPanel(null)}
          affected={keys.filter((k) => k.state === "active").length}
        />
      )}

      {keys.length === 0 ? (
        <p className="mt-4 rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">
          No keys yet. The agent cannot call the API until an admin creates one.
        </p>
      ) : (
        <TableFrame label="Key list" minWidth="44rem" framed={false} className="mt-4">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2 font-medium">Key</th>
              <th className="px-3 py-2 font-medium">Created</th>
              <th className="px-3 py-2 font-medium">Expires</th>
              <th className="px-3 py-2 font-medium">Last used</th>
              <th className="px-3 py-2 font-medium">State</th>
              {props.canWrite && (
                <th className="px-3 py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {keys.map((k) => (
              <KeyRow
                key={k.id}
                k={k}
                canWrite={props.canWrite}
                revoking={typeof panel === "object" && panel?.revoke === k.id}
                onRevokeStart={() => setPanel({ revoke: k.id })}
                onRevoke={(reason) => revoke(k.id, reason)}
                onCancel={() => setPanel(null)}
              />
            ))}
          </tbody>
        </TableFrame>
      )}
    </section>
  );
}

function KeyRow(props: {
  k: TKeyRow;
  canWrite: boolean;
  revoking: boolean;
  onRevokeStart: () => void;
  onRevoke: (reason: string) => Promise<void>;
  onCancel: () => void;
}) {
  const { k } = props;
  const live = k.state === "active" || k.state === "grace";
  return (
    <>
      <tr data-testid={`key-${k.prefix}`} className={`align-top ${live ? "" : "text-slate-400"}`}>
        <td className="px-3 py-2">
          <div className="font-mono text-xs">{k.prefix}…</div>
          {k.label && <div className="text-xs text-slate-500">{k.label}</div>}
        </td>
        <td className="px-3 py-2 text-xs">
          <div>{formatTime(k.createdAt)}</div>
          <div className="text-slate-500">
            {k.createdBy ? `by ${k.createdBy}` : "by the system"}
          </div>
        </td>
        <td className="px-3 py-2 text-xs">{k.expiresAt ? formatTime(k.expiresAt) : "never"}</td>
        <td className="px-3 py-2 text-xs">{k.lastUsedAt ? formatTime(k.lastUsedAt) : "never"}</td>
        <td className="px-3 py-2 text-xs">
          <KeyState k={k} />
        </td>
        {props.canWrite && (
          <td className="px-3 py-2 text-right">
            {live && !props.revoking && (
              <button
                type="button"
                onClick={props.onRevokeStart}
                className="rounded-md px-2.5 py-1 text-xs font-medium text-red-700 ring-1 ring-red-200 hover:bg-red-50"
              >
                Revoke<span className="sr-only"> key {k.prefix}</span>
              </button>
            )}
          </td>
        )}
      </tr>
      {props.revoking && (
        <tr>
          <td colSpan={6} className="bg-red-50/50 px-3 py-3">
            <RevokeKeyForm prefix={k.prefix} onSubmit={props.onRevoke} onCancel={props.onCancel} />
          </td>
        </tr>
      )}
    </>
  );
}

function KeyState({ k }: { k: TKeyRow }) {
  if (k.state === "revoked")
    return (
      <>
        <Badge tone="red">Revoked</Badge>
        <div className="mt-1">{formatTime(k.revokedAt)}</div>
      </>
    );
  if (k.state === "expired")
    return <Badge tone="gray">{k.rotatedAt ? "Rotated out" : "Expired"}</Badge>;
  if (k.state === "grace")
    return (
      <>
        <Badge tone="amber">Rotated</Badge>
        <div className="mt-1 text-amber-800" data-testid="grace-until">
          keeps working until {formatTime(k.expiresAt)}
        </div>
      </>
    );
  return <Badge tone="green">Active</Badge>;
}
