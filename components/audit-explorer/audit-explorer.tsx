"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { AUDIT_EVENTS, AUDIT_LANES } from "@/lib/audit/events";
import {
  Alert,
  Button,
  buttonClass,
  Field,
  Input,
  Select,
  Table,
  useHydrated,
} from "@/components/ui";
import { EventRow } from "./event-row";
import { searchOf, type TFilterName, type TFilters } from "./filters";
import { useAuditEvents, type TEventPage } from "./queries";

const TEXT_FILTERS: { name: TFilterName; label: string; hint?: string; placeholder?: string }[] = [
  { name: "actor", label: "Actor", placeholder: "email, name, agent slug or system" },
  { name: "action", label: "Action", placeholder: "field.changed or action_request." },
  { name: "subjectType", label: "Subject type", placeholder: "action_request" },
  { name: "subjectId", label: "Subject id", placeholder: "a request id…" },
  { name: "recordId", label: "Record id", placeholder: "15 or 18 characters" },
];

/** datetime-local (read as UTC) ↔ the ISO time in the URL */
const toInput = (iso: string | undefined) => (iso ? iso.slice(0, 16) : "");
const fromInput = (v: string) => (v ? `${v}:00.000Z` : "");

/** The actions of a lane and their prefixes (`action_request.`), for the action box's list. */
function actionsOf(lane: string) {
  const actions = Object.entries(AUDIT_EVENTS)
    .filter(([, d]) => d.lane === lane)
    .map(([a]) => a);
  const prefixes = [...new Set(actions.map((a) => a.slice(0, a.indexOf(".") + 1)))];
  return [...prefixes, ...actions].sort();
}

/**
 * The audit lanes explorer: filters (kept in the URL, so a link or reload keeps them), one
 * lane's events newest first with their seal, a verify button per event, "Load more" for the
 * next keyset page, and the export of the lane with these filters (JSONL, its first line the
 * lane's signed checkpoint).
 */
export function AuditExplorer({
  filters,
  initial,
  invalid,
}: {
  filters: TFilters;
  initial: TEventPage;
  /** why the URL's filters were refused (nothing listed then) */
  invalid: string | null;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [draft, setDraft] = useState<TFilters>(filters);
  const { events, hasNextPage, fetchNextPage, isFetchingNextPage, error } = useAuditEvents(
    filters,
    initial,
  );
  const set = (name: TFilterName, value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const apply = (next: TFilters) => router.push(`/audit/events?${searchOf(next)}`);
  const exportHref = `/api/internal/audit/export?${searchOf({ ...filters, lane: filters.lane })}`;

  return (
    <div className="space-y-4">
      <form
        aria-label="Filters"
        className="grid grid-cols-2 items-end gap-3 rounded-xl border border-line bg-white p-4 lg:grid-cols-5"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <Field label="Lane">
          <Select
            value={draft.lane}
            disabled={!hydrated}
            onChange={(e) => {
              // a lane is a list of its own: switching it applies at once
              const next = { ...draft, lane: e.target.value };
              setDraft(next);
              apply(next);
            }}
          >
            {AUDIT_LANES.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </Select>
        </Field>
        {TEXT_FILTERS.map((f) => (
          <Field key={f.name} label={f.label}>
            <Input
              value={draft[f.name] ?? ""}
              placeholder={f.placeholder}
              list={f.name === "action" ? "audit-actions" : undefined}
              onChange={(e) => set(f.name, e.target.value)}
            />
          </Field>
        ))}
        <datalist id="audit-actions">
          {actionsOf(draft.lane).map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <Field label="From (UTC)">
          <Input
            type="datetime-local"
            value={toInput(draft.from)}
            onChange={(e) => set("from", fromInput(e.target.value))}
          />
        </Field>
        <Field label="To (UTC)">
          <Input
            type="datetime-local"
            value={toInput(draft.to)}
            onChange={(e) => set("to", fromInput(e.target.value))}
          />
        </Field>
        <div className="col-span-2 flex flex-wrap gap-2 lg:col-span-2">
          <Button type="submit" size="md" disabled={!hydrated}>
            Apply filters
          </Button>
          <Button
            type="button"
            variant="secondary"
            size="md"
            disabled={!hydrated}
            onClick={() => {
              const cleared = { lane: draft.lane };
              setDraft(cleared);
              apply(cleared);
            }}
          >
            Clear
          </Button>
          <a
            href={exportHref}
            download
            className={buttonClass({ variant: "secondary", size: "md" })}
            aria-disabled={invalid ? true : undefined}
          >
            Export {filters.lane} lane (JSONL)
          </a>
        </div>
      </form>
      {invalid && (
        <Alert tone="error" title="These filters are not valid:">
          {invalid}
        </Alert>
      )}
      {error && <Alert tone="error">{error.message}</Alert>}
      <Table.Frame
        label={`Audit events, ${filters.lane} lane`}
        minWidth="76rem"
        footer={
          hasNextPage && (
            <div className="border-t border-line p-3 text-center">
              <Button
                variant="secondary"
                onClick={() => void fetchNextPage()}
                busy={isFetchingNextPage}
                busyLabel="Loading…"
              >
                Load more
              </Button>
            </div>
          )
        }
      >
        <Table.Header
          columns={["Event", "Time", "Actor", "Action", "Subject", "Record", "Seal", "Verify"]}
        />
        <Table.Body>
          {events.length === 0 ? (
            <Table.Empty colSpan={8}>No events in this lane match these filters.</Table.Empty>
          ) : (
            events.map((e) => <EventRow key={e.id} event={e} />)
          )}
        </Table.Body>
      </Table.Frame>
    </div>
  );
}
