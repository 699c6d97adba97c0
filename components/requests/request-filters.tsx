"use client";

import { useRef } from "react";
import { useRouter } from "next/navigation";
import type { TRequestFacets } from "@/lib/requests";
import type { TRequestFilters } from "@/lib/requests/query";
import { Button, Field, Input, Select, useHydrated } from "@/components/ui";
import { searchOf } from "./queries";
import { statusLabel } from "./status-badge";

/** "2026-12-02T14:05:00.000Z" → "2026-12-02T14:05", the value a datetime-local box takes (UTC). */
const toBox = (iso: string | undefined) => (iso ? iso.slice(0, 16) : "");
const fromBox = (value: string) => (value ? `${value}:00.000Z` : "");

/**
 * The Requests page's filters, one form: a menu applies as soon as it changes, the text boxes on
 * Enter or "Apply". Whatever is chosen goes into the URL, so the server renders the filtered
 * first page and a link reproduces the view. Times are UTC, as the console shows them.
 */
export function RequestFilters({
  facets,
  filters,
}: {
  facets: TRequestFacets;
  filters: TRequestFilters;
}) {
  const router = useRouter();
  // a choice made before hydration would be lost (no handler yet)
  const hydrated = useHydrated();
  const form = useRef<HTMLFormElement>(null);
  const chosen = new Set(filters.status?.split(",") ?? []);

  function apply() {
    const data = new FormData(form.current!);
    const next: TRequestFilters = {
      agent: String(data.get("agent") ?? ""),
      workflowVersion: String(data.get("workflowVersion") ?? ""),
      actionType: String(data.get("actionType") ?? ""),
      environment: String(data.get("environment") ?? ""),
      origin: String(data.get("origin") ?? ""),
      status: data.getAll("status").map(String).join(","),
      field: String(data.get("field") ?? "").trim(),
      record: String(data.get("record") ?? "").trim(),
      q: String(data.get("q") ?? "").trim(),
      from: fromBox(String(data.get("from") ?? "")),
      to: fromBox(String(data.get("to") ?? "")),
    };
    const q = searchOf(next);
    router.push(`/requests${q.size ? `?${q}` : ""}`);
  }

  const menu = (name: keyof TRequestFilters, label: string, options: [string, string][]) => (
    <Field label={label} className="w-48">
      <Select name={name} disabled={!hydrated} defaultValue={filters[name] ?? ""} onChange={apply}>
        <option value="">All</option>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </Select>
    </Field>
  );

  return (
    <form
      ref={form}
      aria-label="Filters"
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
      className="space-y-3 rounded-xl border border-line bg-white p-3"
    >
      <div className="flex flex-wrap items-end gap-3">
        {menu(
          "agent",
          "Agent",
          facets.agents.map((a) => [a.id, `${a.name} · ${a.environment}`]),
        )}
        {menu(
          "workflowVersion",
          "Workflow version",
          facets.workflowVersions.map((v) => [v.id, `${v.name} v${v.version}`]),
        )}
        {menu(
          "actionType",
          "Action type",
          facets.actionTypes.map((t) => [t.key, t.name]),
        )}
        {menu(
          "environment",
          "Environment",
          facets.environments.map((e) => [e.slug, e.name]),
        )}
        <details className="relative">
          <summary className="cursor-pointer list-none rounded-md border border-control bg-white px-2.5 py-1.5 text-sm">
            Status: {chosen.size ? [...chosen].map(statusLabel).join(", ") : "all"}
          </summary>
          <fieldset className="absolute z-10 mt-1 grid w-72 grid-cols-2 gap-1 rounded-md border border-line bg-white p-2 text-sm shadow-lg">
            <legend className="sr-only">Status</legend>
            {facets.statuses.map((s) => (
              <label key={s} className="flex items-center gap-1.5">
                <input
                  type="checkbox"
                  name="status"
                  value={s}
                  disabled={!hydrated}
                  defaultChecked={chosen.has(s)}
                  onChange={apply}
                  className="h-4 w-4 rounded border-control"
                />
                {statusLabel(s)}
              </label>
            ))}
          </fieldset>
        </details>
        {menu("origin", "Asked by", [
          ["agent", "An agent"],
          ["person", "A person (reverts)"],
        ])}
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Record id (15 or 18 characters)" className="w-56">
          <Input name="record" defaultValue={filters.record ?? ""} spellCheck={false} />
        </Field>
        <Field label="Changes field (API name)" className="w-48">
          <Input
            name="field"
            defaultValue={filters.field ?? ""}
            spellCheck={false}
            placeholder="StageName"
          />
        </Field>
        <Field label="Search reason or record name" className="w-64">
          <Input name="q" type="search" defaultValue={filters.q ?? ""} />
        </Field>
        <Field label="From (UTC)" className="w-52">
          <Input name="from" type="datetime-local" defaultValue={toBox(filters.from)} />
        </Field>
        <Field label="To (UTC)" className="w-52">
          <Input name="to" type="datetime-local" defaultValue={toBox(filters.to)} />
        </Field>
        <Button type="submit" disabled={!hydrated}>
          Apply
        </Button>
        <Button
          type="button"
          variant="secondary"
          disabled={!hydrated}
          onClick={() => router.push("/requests")}
        >
          Clear
        </Button>
      </div>
    </form>
  );
}
