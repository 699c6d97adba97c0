"use client";

import { useMemo, useRef } from "react";
import { useRouter } from "next/navigation";
import { Select, useHydrated } from "@/components/ui";
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
  // a choice made before hydration would be lost (no handler yet, then React resets the value)
  const hydrated = useHydrated();
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
    <div className="flex flex-wrap items-end gap-3 rounded-xl border border-line bg-white p-3">
      {FILTERS.map((name) => (
        <label key={name} className="w-44 text-xs font-medium text-muted">
          {LABELS[name]}
          <Select
            aria-label={LABELS[name]}
            className="mt-1"
            disabled={!hydrated}
            value={filters[name] ?? ""}
            onChange={(e) => setFilter(name, e.target.value)}
          >
            <option value="">{name === "kind" ? "Everything waiting" : "All"}</option>
            {options[name].map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Select>
        </label>
      ))}
      <div className="ml-auto text-xs text-muted" aria-live="polite">
        {total === null ? "" : `${total}${totalCapped ? "+" : ""} waiting`} · {KEY_HINT}
      </div>
    </div>
  );
}
