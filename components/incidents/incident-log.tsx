"use client";

import { useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import {
  Badge,
  Button,
  Card,
  EmptyState,
  Field,
  Select,
  Table,
  useHydrated,
} from "@/components/ui";
import { formatTime } from "@/components/format";
import {
  SEVERITIES,
  SOURCE_LABELS,
  INCIDENT_SOURCES,
  type TIncidentSource,
} from "@/lib/incidents/schemas";
import { IncidentDialog, type TIncidentAction } from "./incident-dialog";
import { searchOf, useIncidents, type TIncidentFilters, type TIncidentRow } from "./queries";

const SEVERITY_TONE = { P0: "red", P1: "amber", P2: "blue", P3: "gray" } as const;

/**
 * The incident log: filters in the URL, newest first, each incident's source and figures, its
 * severity (or "untriaged") with who set it and why; people with incidents:write set the
 * severity, close an incident, or open one about an agent.
 */
export function IncidentLog(props: {
  initial: { incidents: TIncidentRow[] };
  filters: TIncidentFilters;
  agents: { id: string; label: string }[];
  canWrite: boolean;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const { data } = useIncidents(props.filters, props.initial);
  const [action, setAction] = useState<TIncidentAction | null>(null);
  const set = (patch: Partial<TIncidentFilters>) => {
    const q = searchOf({ ...props.filters, ...patch });
    router.replace(`/incidents${q.size ? `?${q}` : ""}`, { scroll: false });
  };
  const incidents = data.incidents;

  return (
    <div className="space-y-4">
      <Card padding="sm" aria-label="Filters">
        <div className="grid grid-cols-2 items-end gap-3 md:grid-cols-5">
          <Field label="State">
            <Select
              value={props.filters.state || "open"}
              onChange={(e) => set({ state: e.target.value })}
            >
              <option value="open">Open</option>
              <option value="closed">Closed</option>
              <option value="all">All</option>
            </Select>
          </Field>
          <Field label="Severity">
            <Select
              value={props.filters.severity}
              onChange={(e) => set({ severity: e.target.value })}
            >
              <option value="">Any</option>
              <option value="untriaged">Untriaged</option>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Source">
            <Select value={props.filters.source} onChange={(e) => set({ source: e.target.value })}>
              <option value="">Any</option>
              {INCIDENT_SOURCES.map((s) => (
                <option key={s} value={s}>
                  {SOURCE_LABELS[s]}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Agent">
            <Select value={props.filters.agent} onChange={(e) => set({ agent: e.target.value })}>
              <option value="">Any</option>
              {props.agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.label}
                </option>
              ))}
            </Select>
          </Field>
          {props.canWrite && (
            <div className="flex justify-end">
              <Button disabled={!hydrated} onClick={() => setAction({ kind: "open" })}>
                Open an incident
              </Button>
            </div>
          )}
        </div>
      </Card>

      {incidents.length === 0 ? (
        <EmptyState>No incident matches these filters.</EmptyState>
      ) : (
        <Table.Frame label="Incidents" minWidth="44rem">
          <Table.Header columns={["Opened", "Agent", "What happened", "Severity", "State"]} />
          <Table.Body>
            {incidents.map((i) => (
              <tr key={i.id} data-testid={`incident-${i.id}`} className="align-top">
                <Table.Cell>
                  <span className="whitespace-nowrap">{formatTime(i.openedAt)}</span>
                  <div className="text-xs text-muted">
                    {SOURCE_LABELS[i.source as TIncidentSource] ?? i.source}
                    {i.openedBy && <> · {i.openedBy.name}</>}
                  </div>
                </Table.Cell>
                <Table.Cell>
                  {i.agent ? (
                    <Link href={`/agents/${i.agent.id}`} className="text-link hover:underline">
                      {i.agent.name}
                    </Link>
                  ) : (
                    "—"
                  )}
                  <div className="text-xs text-muted">{i.environment.name}</div>
                </Table.Cell>
                <Table.Cell className="min-w-40 whitespace-normal">{i.title}</Table.Cell>
                <Table.Cell className="max-w-xs whitespace-normal">
                  <span data-testid="incident-severity">
                    {i.severity ? (
                      <Badge tone={SEVERITY_TONE[i.severity]}>{i.severity}</Badge>
                    ) : (
                      <Badge tone="amber">untriaged</Badge>
                    )}
                  </span>
                  {i.severitySetBy && (
                    <div className="mt-0.5 text-xs text-muted">
                      {i.severitySetBy.name}: “{i.severityReason}”
                    </div>
                  )}
                </Table.Cell>
                <Table.Cell className="max-w-xs whitespace-normal">
                  {i.closedAt ? (
                    <>
                      <Badge tone="gray">closed</Badge>
                      <div className="mt-0.5 text-xs text-muted">
                        {formatTime(i.closedAt)}
                        {i.closedBy && <> by {i.closedBy.name}</>}: “{i.closeReason}”
                      </div>
                    </>
                  ) : (
                    <Badge tone="blue">open</Badge>
                  )}
                  {props.canWrite && !i.closedAt && (
                    <div className="mt-2 flex flex-wrap gap-2">
                      <Button
                        size="sm"
                        variant="secondary"
                        disabled={!hydrated}
                        onClick={() => setAction({ kind: "severity", incident: i })}
                        aria-label={`Set severity of “${i.title}”`}
                      >
                        Set severity
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost"
                        disabled={!hydrated}
                        onClick={() => setAction({ kind: "close", incident: i })}
                        aria-label={`Close “${i.title}”`}
                      >
                        Close
                      </Button>
                    </div>
                  )}
                </Table.Cell>
              </tr>
            ))}
          </Table.Body>
        </Table.Frame>
      )}

      {props.canWrite && action && (
        <IncidentDialog
          action={action}
          agents={props.agents}
          onOpenChange={(o) => !o && setAction(null)}
        />
      )}
    </div>
  );
}
