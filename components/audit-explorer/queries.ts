"use client";

import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useMemo } from "react";
import type { TSerialized } from "@/lib/core/serialize";
import type { TAuditEventRow } from "@/lib/audit/explore";
import type { TEventVerification } from "@/lib/audit/verify-event";
import { sendJson } from "@/components/send-json";
import { searchOf, type TFilters } from "./filters";

export type TEventRow = TSerialized<TAuditEventRow>;
export type TEventPage = { events: TEventRow[]; nextCursor: string | null };
export type TVerification = TSerialized<TEventVerification>;

export const auditEventKeys = {
  all: ["audit-events"] as const,
  list: (filters: TFilters) => [...auditEventKeys.all, "list", filters] as const,
};

/**
 * A lane's events, one keyset page after another ("Load more" asks for the next cursor). The
 * first page is the one the server rendered; the cache entry goes with the page.
 */
export function useAuditEvents(filters: TFilters, initial: TEventPage) {
  const query = useInfiniteQuery({
    queryKey: auditEventKeys.list(filters),
    queryFn: ({ pageParam }) => {
      const q = searchOf(filters);
      if (pageParam) q.set("cursor", pageParam);
      return sendJson<TEventPage>(`/api/internal/audit/events?${q}`);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    initialData: { pages: [initial], pageParams: [null] },
    gcTime: 0,
  });
  const events = useMemo(() => query.data.pages.flatMap((p) => p.events), [query.data]);
  return { ...query, events };
}

/** Re-hash one event on the server (it reads only): content, and its link when sealed. */
export function useVerifyEvent(id: string) {
  return useMutation({
    mutationFn: () =>
      sendJson<TVerification>(
        `/api/internal/audit/events/${encodeURIComponent(id)}/verify`,
        "POST",
      ),
  });
}
