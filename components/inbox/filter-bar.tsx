"use client";

import { useMemo, useRef } from "react";
import { useRouter } from "next/navigation";
import { FILTERS, type TFilterName, type TFilters } from "./queries";
import { KEY_HINT } from "./use-inbox-keys";

export type TFacets = {
  agents: { slug: string; name: string }[];
  actionTypes: { key: string; name: string }[];
  workflows: { key: string; name: string }[];
  environments: { slug: string; name: string }[];
  ages: Record<string, string>;
};

const LABELS: Record<TFilterName, string> = {
  agent: "Agent",
  actionType: "Action type",
  workflow: "Workflow",
  environment: "Environment",
  age: "Age",
  kind: "Kind",
};

/**
 * The inbox's filter menus. A choice goes into the URL, so the server renders the filtered first
 * page and a link or reload keeps the filters.
 */
export function FilterBar({
  facets,
  filters,
  total,
  totalCapped,
}: {
  facets: TFacets;
  filters: TFilters;
  total: number | null;
  totalCapped: boolean;
}) {
  const router = useRouter();
  // filters chosen but not yet rendered: two quick changes must not lose the first
  const wanted = useRef<TFilters>(filters);
  const setFilter = (name: TFilterName, value: string) => {
    wanted.current = { ...wanted.current, [name]: value || undefined };
    const next = new URLSearchParams(
      Object.entries(wanted.current).filter(([, v]) => v) as [string, string][],
    );
    router.push(`/inbox${next.size ? `?${next}` : ""}`);
  };

  const options = useMemo(
    (): Record<TFilterName, readonly (readonly [string, string])[]> => ({
      agent: facets.agents.map((a) => [a.slug, a.name] as const),
      actionType: facets.actionTypes.map((a) => [a.key, a.key] as const),
      workflow: facets.workflows.map((w) => [w.key, w.name] as const),
      environment: facets.environments.map((e) => [e.slug, e.name] as const),
      age: Object.entries(facets.ages),
      kind: [
        ["approvals", "Approvals"],
        ["drafts", "Drafts (human-only)"],
      ],
    }),
    [facets],
  );

  return (
    <div className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-3">
      {FILTERS.map((name) => (
        <label key={name} className="text-xs font-medium text-slate-600">
          {LABELS[name]}
          <select
            aria-label={LABELS[name]}
            className="mt-1 block w-44 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
            value={filters[name] ?? ""}
            onChange={(e) => setFilter(name, e.target.value)}
          >
            <option value="">{name === "kind" ? "Everything waiting" : "All"}</option>
            {options[name].map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      ))}
      <div className="ml-auto text-xs text-slate-500" aria-live="polite">
        {total === null ? "" : `${total}${totalCapped ? "+" : ""} waiting`} · {KEY_HINT}
      </div>
    </div>
  );
}
