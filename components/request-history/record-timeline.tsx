"use client";

import { useMemo, useState } from "react";
import Link from "next/link";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Alert, Badge, Button, Card, EmptyState, Field, Select } from "@/components/ui";
import { formatTime } from "@/components/format";
import { show } from "@/components/inbox/shared";
import { sendJson } from "@/components/send-json";
import type { TSerialized } from "@/lib/core/serialize";
import type { TRecordTimeline } from "@/lib/requests/record-timeline";
import { StatusBadge } from "@/components/requests/status-badge";

type TTimeline = TSerialized<TRecordTimeline>;
type TRequest = TTimeline["requests"][number];
type TChange = TTimeline["salesforce"]["changes"][number];

type TEntry =
  | { kind: "tollgate"; at: string; request: TRequest; confirmed: Set<string> }
  | { kind: "outside"; at: string; change: TChange };

/**
 * One record's story, newest first: each Tollgate request on it (who proposed, who approved, why,
 * each field before → written) merged with the changes Salesforce's field history shows that
 * Tollgate did not make, marked as made outside Tollgate. A field filter answers "why did this
 * field change?"; older requests load page by page.
 */
export function RecordTimeline({ initial, env }: { initial: TTimeline; env: string | null }) {
  const { data, fetchNextPage, hasNextPage, isFetchingNextPage, error } = useInfiniteQuery({
    queryKey: ["record", initial.recordId, env, "timeline"],
    queryFn: ({ pageParam }) =>
      sendJson<TTimeline>(
        `/api/internal/records/${encodeURIComponent(initial.recordId)}?${new URLSearchParams({
          ...(env ? { env } : {}),
          ...(pageParam ? { before: pageParam } : {}),
        })}`,
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    initialData: { pages: [initial], pageParams: [""] },
  });
  const [field, setField] = useState("");
  const pages = data.pages;
  const first = pages[0];

  const entries = useMemo(() => {
    const requests = pages.flatMap((p) => p.requests);
    // each page brings the history of its span (edges overlap a little): one row once, as the
    // page that matched it to a Tollgate write saw it
    const byId = new Map<string, TChange>();
    for (const c of pages.flatMap((p) => p.salesforce.changes)) {
      const had = byId.get(c.id);
      if (!had || (!had.requestId && c.requestId)) byId.set(c.id, c);
    }
    const changes = [...byId.values()];
    const confirmedBy = new Map<string, Set<string>>();
    for (const c of changes) {
      if (!c.requestId) continue;
      if (!confirmedBy.has(c.requestId)) confirmedBy.set(c.requestId, new Set());
      confirmedBy.get(c.requestId)!.add(c.field);
    }
    const list: TEntry[] = [
      ...requests.map((r) => ({
        kind: "tollgate" as const,
        at: r.completedAt ?? r.createdAt,
        request: r,
        confirmed: confirmedBy.get(r.id) ?? new Set<string>(),
      })),
      ...changes
        .filter((c) => !c.requestId)
        .map((c) => ({ kind: "outside" as const, at: c.at, change: c })),
    ];
    return list.sort((a, b) => b.at.localeCompare(a.at));
  }, [pages]);

  const fields = useMemo(() => {
    const all = new Set<string>();
    for (const e of entries) {
      if (e.kind === "tollgate") e.request.fields.forEach((f) => all.add(f.field));
      else all.add(e.change.field);
    }
    return [...all].sort();
  }, [entries]);

  const shown = field
    ? entries.filter((e) =>
        e.kind === "tollgate"
          ? e.request.fields.some((f) => f.field === field)
          : e.change.field === field,
      )
    : entries;

  return (
    <div className="space-y-4" data-testid="record-timeline">
      <Card padding="md">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <div className="min-w-0">
            <div className="text-lg font-semibold">{first.name ?? first.recordId}</div>
            <div className="text-sm text-muted">
              {first.object ?? "Salesforce record"}{" "}
              <span className="font-mono">{first.recordId}</span>
              {first.environment && ` · ${first.environment.name}`}
            </div>
          </div>
          {fields.length > 0 && (
            <Field label="Field" id="timeline-field" className="w-56">
              <Select value={field} onChange={(e) => setField(e.target.value)}>
                <option value="">Every field</option>
                {fields.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </Select>
            </Field>
          )}
        </div>
        {first.salesforce.error && (
          <Alert tone="warning" className="mt-3">
            {first.salesforce.error}
          </Alert>
        )}
        {first.otherEnvironments.length > 0 && (
          <p className="mt-3 text-sm text-muted">
            Also in{" "}
            {first.otherEnvironments.map((e, i) => (
              <span key={e.slug}>
                {i > 0 && ", "}
                <Link className="underline" href={`/records/${first.recordId}?env=${e.slug}`}>
                  {e.name}
                </Link>
              </span>
            ))}
            : a sandbox copied from production keeps its record ids, so each environment has its own
            timeline.
          </p>
        )}
        {!first.environment && (
          <Alert tone="info" className="mt-3">
            Tollgate has no request on this record, so it does not know which org it is in: its
            Salesforce field history is not shown.
          </Alert>
        )}
      </Card>

      {shown.length === 0 ? (
        <EmptyState title="Nothing recorded">
          {field
            ? `No change to ${field} is recorded.`
            : "No Tollgate request touched this record, and Salesforce's field history shows no change."}
        </EmptyState>
      ) : (
        <ol className="space-y-2" aria-label="Changes, newest first">
          {shown.map((e) =>
            e.kind === "tollgate" ? (
              <TollgateEntry key={e.request.id} entry={e} field={field} />
            ) : (
              <OutsideEntry key={e.change.id} change={e.change} />
            ),
          )}
        </ol>
      )}
      {error && <Alert tone="error">{error.message}</Alert>}
      {hasNextPage && (
        <Button
          variant="secondary"
          busy={isFetchingNextPage}
          busyLabel="Loading…"
          onClick={() => void fetchNextPage()}
        >
          Older requests
        </Button>
      )}
    </div>
  );
}

function TollgateEntry({
  entry,
  field,
}: {
  entry: Extract<TEntry, { kind: "tollgate" }>;
  field: string;
}) {
  const r = entry.request;
  const fields = field ? r.fields.filter((f) => f.field === field) : r.fields;
  return (
    <li className="rounded-xl border border-line bg-white p-4 text-sm" data-testid={`tl-${r.id}`}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-muted">{formatTime(entry.at)}</span>
        <Badge tone="blue">Tollgate</Badge>
        <Link href={`/requests/${r.id}`} className="font-medium underline">
          {!r.revertsId
            ? r.actionType
            : r.operation === "delete"
              ? `Revert: delete the record ${r.actionType} made`
              : `Revert: ${r.actionType}`}
        </Link>
        <StatusBadge status={r.status} />
      </div>
      <div className="mt-1 text-muted">
        {r.requestedBy ? `${r.requestedBy} asked` : `${r.agent} proposed`}
        {r.approvedBy.length > 0
          ? ` · approved by ${r.approvedBy.join(", ")}`
          : r.decision.mode === "auto"
            ? " · auto-approved by its rule"
            : ""}
        {r.deniedBy.length > 0 && ` · denied by ${r.deniedBy.join(", ")}`}
      </div>
      {r.reasonText && <div className="mt-1">“{r.reasonText}”</div>}
      <ul className="mt-2 space-y-0.5 text-xs">
        {fields.map((f) => (
          <li key={f.field}>
            <span className="font-mono">{f.field}</span>: {show(f.before)} →{" "}
            <span className="font-medium">{show(f.written ?? f.proposed)}</span>
            {f.written === null && !["succeeded", "reverted"].includes(r.status) && (
              <span className="text-muted"> (proposed, not written)</span>
            )}
            {entry.confirmed.has(f.field) && (
              <span className="text-muted"> · in Salesforce's field history</span>
            )}
            {f.revertedAt && (
              <span className="text-violet-700"> · reverted {formatTime(f.revertedAt)}</span>
            )}
          </li>
        ))}
      </ul>
    </li>
  );
}

function OutsideEntry({ change }: { change: TChange }) {
  return (
    <li
      className="rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm"
      data-testid={`sf-${change.id}`}
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-muted">{formatTime(change.at)}</span>
        <Badge tone="amber">outside Tollgate</Badge>
        <span>changed in Salesforce by {change.by}</span>
      </div>
      <div className="mt-1 text-xs">
        <span className="font-mono">{change.field}</span>: {show(change.oldValue)} →{" "}
        <span className="font-medium">{show(change.newValue)}</span>
      </div>
    </li>
  );
}
