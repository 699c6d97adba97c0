"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { TRequestPage } from "@/lib/requests";
import type { TRequestFilters } from "@/lib/requests/query";
import { sendJson } from "@/components/send-json";

/** The Requests page's query keys, defined once: one page of a filtered list. */
export const requestKeys = {
  all: ["requests"] as const,
  lists: () => [...requestKeys.all, "list"] as const,
  list: (filters: TRequestFilters, cursor: string | null) =>
    [...requestKeys.lists(), filters, cursor] as const,
};

/** The filters (and a cursor) as a query string, empty values left out. */
export function searchOf(filters: TRequestFilters, extra: Record<string, string | null> = {}) {
  return new URLSearchParams(
    Object.entries({ ...filters, ...extra }).filter(([, v]) => v) as [string, string][],
  );
}

/**
 * One keyset page of the filtered requests. The page the server rendered is the first data, so
 * the first paint needs no fetch; "Next"/"Previous" ask the API for the page at their cursor
 * and the last page shows until it arrives.
 */
export function useRequestPage(
  filters: TRequestFilters,
  cursor: string | null,
  initial: { cursor: string | null; page: TRequestPage },
) {
  return useQuery({
    queryKey: requestKeys.list(filters, cursor),
    queryFn: () => {
      const q = searchOf(filters, { cursor });
      return sendJson<TRequestPage>(`/api/internal/requests${q.size ? `?${q}` : ""}`);
    },
    initialData: cursor === initial.cursor ? initial.page : undefined,
    placeholderData: keepPreviousData,
    gcTime: 60_000,
  });
}
