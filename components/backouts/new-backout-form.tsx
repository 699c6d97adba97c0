"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Card, Field, Input, Select, Textarea, useHydrated } from "@/components/ui";
import { ApiError, sendJson } from "@/components/send-json";
import type { TRequestFacets } from "@/lib/requests";
import type { TSerialized } from "@/lib/core/serialize";

/** "2026-12-02T14:05:00.000Z" → "2026-12-02T14:05", the value a datetime-local box takes (UTC). */
const toBox = (iso: string) => iso.slice(0, 16);
const fromBox = (value: string) => (value ? `${value}:00.000Z` : "");

const FIELDS = [
  "environmentId",
  "agentId",
  "workflowVersionId",
  "actionTypeId",
  "from",
  "to",
  "reason",
] as const;

/**
 * The selection of a bulk backout (environment, agent, workflow version, action type, a UTC
 * window) and its reason. Submitting runs the dry run — Salesforce is read, nothing written —
 * and opens the plan; a refused field shows its message under the field.
 */
export function NewBackoutForm({
  facets,
  window,
}: {
  facets: TSerialized<TRequestFacets>;
  /** the default window (the last 24 hours), from the server so both renders agree */
  window: { from: string; to: string };
}) {
  const hydrated = useHydrated();
  const router = useRouter();
  const prod = facets.environments.find((e) => e.slug === "prod") ?? facets.environments[0];
  const [environmentId, setEnvironmentId] = useState(prod?.id ?? "");
  const [agentId, setAgentId] = useState("");
  const [workflowVersionId, setWorkflowVersionId] = useState("");
  const [actionTypeId, setActionTypeId] = useState("");
  const [from, setFrom] = useState(toBox(window.from));
  const [to, setTo] = useState(toBox(window.to));
  const [reason, setReason] = useState("");
  const plan = useMutation({
    mutationFn: () =>
      sendJson<{ id: string }>("/api/internal/backouts", "POST", {
        environmentId,
        agentId: agentId || undefined,
        workflowVersionId: workflowVersionId || undefined,
        actionTypeId: actionTypeId || undefined,
        from: fromBox(from),
        to: fromBox(to),
        reason,
      }),
    onSuccess: ({ id }) => router.push(`/backouts/${id}`),
  });
  const errors = plan.error instanceof ApiError ? plan.error.errors : [];
  const errorOf = (path: string) =>
    errors
      .filter((e) => e.path === path)
      .map((e) => e.message)
      .join(" · ") || undefined;
  // a refusal that names no field of the form (no write matches, too many) shows above the button
  const general =
    plan.error &&
    (errors.length === 0
      ? plan.error.message
      : errors
          .filter((e) => !(FIELDS as readonly string[]).includes(e.path))
          .map((e) => (e.path ? `${e.path}: ${e.message}` : e.message))
          .join(" · "));
  const agents = facets.agents.filter((a) => a.environmentId === environmentId);

  return (
    <Card padding="md" aria-labelledby="new-backout-title" id="new-backout">
      <h2 id="new-backout-title" className="text-sm font-semibold">
        New backout
      </h2>
      <p className="mt-1 max-w-3xl text-xs text-muted">
        Choose the writes to undo. The dry run reads every record from Salesforce and lists what it
        would restore, the conflicts (fields changed since Tollgate wrote them, never overwritten)
        and what is already back; nothing is written until a second person starts it.
      </p>
      <form
        className="mt-4 space-y-3"
        aria-label="New backout"
        onSubmit={(e) => {
          e.preventDefault();
          plan.mutate();
        }}
      >
        <div className="flex flex-wrap items-start gap-3">
          <Field label="Environment" id="bo-env" className="w-44" error={errorOf("environmentId")}>
            <Select
              value={environmentId}
              onChange={(e) => {
                setEnvironmentId(e.target.value);
                setAgentId("");
              }}
            >
              {facets.environments.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Agent" id="bo-agent" className="w-52" error={errorOf("agentId")}>
            <Select value={agentId} onChange={(e) => setAgentId(e.target.value)}>
              <option value="">All agents</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field
            label="Workflow version"
            id="bo-version"
            className="w-52"
            error={errorOf("workflowVersionId")}
          >
            <Select
              value={workflowVersionId}
              onChange={(e) => setWorkflowVersionId(e.target.value)}
            >
              <option value="">All versions</option>
              {facets.workflowVersions.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.name} v{v.version}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Action type" id="bo-type" className="w-64" error={errorOf("actionTypeId")}>
            <Select value={actionTypeId} onChange={(e) => setActionTypeId(e.target.value)}>
              <option value="">All action types</option>
              {facets.actionTypes.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <div className="flex flex-wrap items-start gap-3">
          <Field label="From (UTC)" id="bo-from" className="w-52" error={errorOf("from")}>
            <Input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </Field>
          <Field label="To (UTC)" id="bo-to" className="w-52" error={errorOf("to")}>
            <Input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </Field>
          <Field
            label="Why back these writes out?"
            id="bo-reason"
            className="min-w-64 flex-1"
            error={errorOf("reason")}
          >
            <Textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
        </div>
        {general && (
          <Alert tone="error" size="sm">
            {general}
          </Alert>
        )}
        <Button
          type="submit"
          // busy until the plan's page opens
          busy={plan.isPending || plan.isSuccess}
          busyLabel="Reading Salesforce…"
          disabled={!hydrated}
        >
          Run the dry run
        </Button>
      </form>
    </Card>
  );
}
