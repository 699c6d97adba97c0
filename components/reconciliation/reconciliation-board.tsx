"use client";

import { useState } from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  Badge,
  Button,
  Card,
  EmptyState,
  Field,
  Input,
  Select,
  TableBody,
  TableCell,
  TableFrame,
  TableHeader,
  useHydrated,
} from "@/components/ui";
import { formatTime } from "@/components/format";
import { show } from "@/components/inbox/shared";
import { sendJson } from "@/components/send-json";
import type { TSerialized } from "@/lib/core/serialize";
import type { TReconciliationRunDetail, TReconciliationRunRow } from "@/lib/reconcile/runs";

type TRun = TSerialized<TReconciliationRunRow>;
type TDetail = TSerialized<TReconciliationRunDetail>;

const keys = {
  runs: ["reconciliation", "runs"] as const,
  run: (id: string) => ["reconciliation", "run", id] as const,
};

const KIND: Record<string, { label: string; tone: "red" | "amber" | "gray" }> = {
  drift: { label: "drift", tone: "red" },
  missing: { label: "missing", tone: "amber" },
  unreadable: { label: "not read", tone: "gray" },
};

/**
 * Reconciliation runs, newest first, with their figures; a run's findings (what Salesforce
 * holds that Tollgate did not write) below; "Run now" for ops owners and admins. The list reads
 * itself again every 10 s while a run is going.
 */
export function ReconciliationBoard(props: {
  initial: TRun[];
  environments: { id: string; name: string }[];
  canRun: boolean;
  selected: string | null;
}) {
  const hydrated = useHydrated();
  const client = useQueryClient();
  const runs = useQuery({
    queryKey: keys.runs,
    queryFn: async () => (await sendJson<{ runs: TRun[] }>("/api/internal/reconciliation")).runs,
    initialData: props.initial,
    refetchInterval: (q) => (q.state.data?.some((r) => r.status === "running") ? 10_000 : false),
  });
  const [selected, setSelected] = useState(props.selected ?? runs.data[0]?.id ?? null);
  const detail = useQuery({
    queryKey: keys.run(selected ?? ""),
    queryFn: () =>
      sendJson<TDetail>(`/api/internal/reconciliation/${encodeURIComponent(selected!)}`),
    enabled: !!selected,
  });
  const [environmentId, setEnvironmentId] = useState(props.environments[0]?.id ?? "");
  const [hours, setHours] = useState("24");
  const run = useMutation({
    mutationFn: () =>
      sendJson<TRun>("/api/internal/reconciliation", "POST", {
        environmentId,
        hours: Number(hours),
      }),
    onSuccess: (r) => setSelected(r.id),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.runs }),
  });
  const current = runs.data.find((r) => r.id === selected) ?? null;

  return (
    <div className="space-y-4">
      {props.canRun && (
        <Card padding="md">
          <form
            className="flex flex-wrap items-end gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              run.mutate();
            }}
          >
            <Field label="Environment" id="rec-env" className="w-56">
              <Select value={environmentId} onChange={(e) => setEnvironmentId(e.target.value)}>
                {props.environments.map((e) => (
                  <option key={e.id} value={e.id}>
                    {e.name}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Hours back" id="rec-hours" className="w-32">
              <Input inputMode="numeric" value={hours} onChange={(e) => setHours(e.target.value)} />
            </Field>
            <Button
              type="submit"
              busy={run.isPending}
              busyLabel="Reading Salesforce…"
              disabled={!hydrated}
            >
              Run now
            </Button>
          </form>
          {run.error && (
            <Alert tone="error" className="mt-3">
              {run.error.message}
            </Alert>
          )}
        </Card>
      )}

      {runs.data.length === 0 ? (
        <EmptyState title="No reconciliation yet">
          The hourly job reads back what Tollgate wrote; the first run shows here.
        </EmptyState>
      ) : (
        <TableFrame label="Reconciliation runs" minWidth="52rem" dense>
          <TableHeader
            columns={[
              "Started",
              "Environment",
              "Window",
              "By",
              "Checked",
              "Matched",
              "Drift",
              "Missing",
              "Not read",
              "",
            ]}
          />
          <TableBody>
            {runs.data.map((r) => (
              <tr
                key={r.id}
                aria-selected={r.id === selected}
                className={r.id === selected ? "bg-indigo-50" : undefined}
              >
                <TableCell>{formatTime(r.startedAt)}</TableCell>
                <TableCell>{r.environment.name}</TableCell>
                <TableCell className="text-muted">
                  {formatTime(r.windowStart)} → {formatTime(r.windowEnd)}
                </TableCell>
                <TableCell>
                  {r.trigger === "schedule" ? "hourly job" : (r.requestedBy ?? "a person")}
                </TableCell>
                <TableCell>
                  {r.status === "done" ? (
                    r.checked
                  ) : (
                    <Badge tone={r.status === "failed" ? "red" : "blue"}>{r.status}</Badge>
                  )}
                </TableCell>
                <TableCell>{r.matched}</TableCell>
                <TableCell className={r.drifted ? "font-semibold text-red-700" : undefined}>
                  {r.drifted}
                </TableCell>
                <TableCell>{r.missing}</TableCell>
                <TableCell>{r.unreadable}</TableCell>
                <TableCell>
                  <Button variant="secondary" size="sm" onClick={() => setSelected(r.id)}>
                    Findings
                  </Button>
                </TableCell>
              </tr>
            ))}
          </TableBody>
        </TableFrame>
      )}

      {current && (
        <Card padding="md" aria-labelledby="rec-findings">
          <h2 id="rec-findings" className="mb-3 text-sm font-semibold">
            Findings of the {current.environment.name} run of {formatTime(current.startedAt)}
          </h2>
          {current.error && (
            <Alert tone="error" className="mb-3">
              {current.error}
            </Alert>
          )}
          {detail.isPending ? (
            <p className="text-sm text-muted">Loading…</p>
          ) : detail.error ? (
            <Alert tone="error">{detail.error.message}</Alert>
          ) : detail.data.findings.length === 0 ? (
            <p className="text-sm text-muted" data-testid="rec-no-findings">
              Every field Tollgate wrote in the window still holds what it wrote.
            </p>
          ) : (
            <TableFrame label="Findings" minWidth="56rem" dense tableClassName="text-xs">
              <TableHeader
                columns={[
                  "",
                  "Record",
                  "Field",
                  "Tollgate wrote",
                  "Salesforce now",
                  "Changed by",
                  "Written by",
                ]}
              />
              <TableBody>
                {detail.data.findings.map((f) => (
                  <tr
                    key={f.id}
                    className="align-top"
                    data-testid={`finding-${f.field}-${f.recordId}`}
                  >
                    <TableCell>
                      <Badge tone={KIND[f.kind]?.tone ?? "gray"}>
                        {KIND[f.kind]?.label ?? f.kind}
                      </Badge>
                    </TableCell>
                    <TableCell>
                      <Link
                        className="underline"
                        href={`/records/${f.recordId}?env=${current.environment.slug}`}
                      >
                        {f.recordName ?? `${f.object} ${f.recordId}`}
                      </Link>
                    </TableCell>
                    <TableCell className="font-mono">{f.field}</TableCell>
                    <TableCell>{show(f.recorded)}</TableCell>
                    <TableCell className="font-medium">
                      {f.kind === "missing" ? "record deleted" : show(f.current)}
                    </TableCell>
                    <TableCell className="text-muted">
                      {f.changedBy
                        ? `${f.changedBy}${f.changedAt ? `, ${formatTime(f.changedAt)}` : ""}`
                        : "—"}
                    </TableCell>
                    <TableCell>
                      <Link className="underline" href={`/requests/${f.requestId}`}>
                        {f.agent ?? f.requestId}
                      </Link>
                      {f.writtenAt && (
                        <span className="text-muted"> {formatTime(f.writtenAt)}</span>
                      )}
                    </TableCell>
                  </tr>
                ))}
              </TableBody>
            </TableFrame>
          )}
        </Card>
      )}
    </div>
  );
}
