"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { ZSignedUrlInput } from "@/lib/webhooks/webhook-input";
import { Alert, Button, Card, Field, Input, useAction } from "@/components/ui";
import { sendJson } from "@/components/send-json";

/**
 * The agent's callback URL: where Tollgate posts a signed message when one of its requests
 * reaches a final status. Setting it (https to a public address, checked by the server as the
 * CLI's `agent-callback set`) makes a new signing secret, shown here once.
 */
export function AgentCallback({
  agentId,
  agentName,
  url,
  canWrite,
}: {
  agentId: string;
  agentName: string;
  url: string | null;
  canWrite: boolean;
}) {
  const router = useRouter();
  const [value, setValue] = useState(url ?? "");
  const [reason, setReason] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const { busy, error, run, setError } = useAction();

  async function save(next: string | null) {
    const checked = ZSignedUrlInput.safeParse({ url: next, reason: reason || undefined });
    if (!checked.success) return setError(checked.error.issues[0]?.message ?? "Invalid URL");
    setSecret(null);
    await run(async () => {
      const res = await sendJson<{ secret: string | null }>(
        `/api/internal/agents/${agentId}/callback`,
        "POST",
        checked.data,
      );
      setSecret(res.secret);
      if (next === null) setValue("");
      router.refresh();
    });
  }

  return (
    <Card className="mt-4" aria-label="Callback URL">
      <h2 className="font-semibold">Callback URL</h2>
      <p className="mt-0.5 text-xs text-muted">
        {url
          ? `${agentName} hears about its requests' final status at ${url}.`
          : `No callback: ${agentName} polls for its requests' status.`}
      </p>
      {canWrite && (
        <div className="mt-3 space-y-2">
          <div className="flex flex-wrap items-end gap-2">
            <Field label="URL" className="min-w-0 flex-1" hint="https to a public address">
              <Input
                value={value}
                placeholder="https://agent.example.com/tollgate"
                onChange={(e) => setValue(e.target.value)}
              />
            </Field>
            <Field label="Reason (optional)" className="w-64">
              <Input value={reason} onChange={(e) => setReason(e.target.value)} />
            </Field>
            <Button variant="secondary" busy={busy} onClick={() => void save(value)}>
              Save callback
            </Button>
            {url && (
              <Button variant="danger-outline" onClick={() => void save(null)}>
                Turn off
              </Button>
            )}
          </div>
          {secret && (
            <Alert tone="success" data-testid="callback-secret">
              Signing secret, shown only now: <code className="break-all font-mono">{secret}</code>
            </Alert>
          )}
          {error && (
            <Alert tone="error" data-testid="callback-error">
              {error}
            </Alert>
          )}
        </div>
      )}
    </Card>
  );
}
