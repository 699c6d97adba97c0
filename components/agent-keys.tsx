"use client";

import { useState } from "react";
import type { TAgentKey } from "@/lib/agents/agent-keys";
import { Badge, Button, Card, EmptyState, Table } from "./ui";
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
    <Card aria-labelledby="api-keys-heading" className="mt-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="api-keys-heading" className="font-semibold">
            API keys
          </h2>
          <p className="mt-0.5 text-xs text-muted">
            {usable} key{usable === 1 ? "" : "s"} can call the agent API. Only a key&apos;s prefix
            is kept readable; the full key is shown once, when it is made.
          </p>
        </div>
        {canMint && (
          <div className="flex gap-2">
            <Button onClick={() => setPanel("create")}>Create key</Button>
            <Button variant="secondary" onClick={() => setPanel("rotate")}>
              Rotate keys
            </Button>
          </div>
        )}
      </div>
      {props.canWrite && props.retired && (
        <p className="mt-2 text-xs text-muted">This agent is retired: it gets no new keys.</p>
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
        <EmptyState size="sm" className="mt-4">
          No keys yet. The agent cannot call the API until an admin creates one.
        </EmptyState>
      ) : (
        <Table.Frame label="Key list" minWidth="44rem" framed={false} dense className="mt-4">
          <Table.Header
            columns={[
              "Key",
              "Created",
              "Expires",
              "Last used",
              "State",
              props.canWrite && { key: "actions", label: <span className="sr-only">Actions</span> },
            ]}
          />
          <Table.Body>
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
          </Table.Body>
        </Table.Frame>
      )}
    </Card>
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
      <tr data-testid={`key-${k.prefix}`} className={`align-top ${live ? "" : "text-muted"}`}>
        <Table.Cell>
          <div className="font-mono text-xs">{k.prefix}…</div>
          {k.label && <div className="text-xs text-muted">{k.label}</div>}
        </Table.Cell>
        <Table.Cell className="text-xs">
          <div>{formatTime(k.createdAt)}</div>
          <div className="text-muted">{k.createdBy ? `by ${k.createdBy}` : "by the system"}</div>
        </Table.Cell>
        <Table.Cell className="text-xs">
          {k.expiresAt ? formatTime(k.expiresAt) : "never"}
        </Table.Cell>
        <Table.Cell className="text-xs">
          {k.lastUsedAt ? formatTime(k.lastUsedAt) : "never"}
        </Table.Cell>
        <Table.Cell className="text-xs">
          <KeyState k={k} />
        </Table.Cell>
        {props.canWrite && (
          <Table.Cell align="right">
            {live && !props.revoking && (
              <Button variant="danger-outline" size="xs" onClick={props.onRevokeStart}>
                Revoke<span className="sr-only"> key {k.prefix}</span>
              </Button>
            )}
          </Table.Cell>
        )}
      </tr>
      {props.revoking && (
        <tr>
          <Table.Cell colSpan={6} className="bg-red-50/50">
            <RevokeKeyForm prefix={k.prefix} onSubmit={props.onRevoke} onCancel={props.onCancel} />
          </Table.Cell>
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
