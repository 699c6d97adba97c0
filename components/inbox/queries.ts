"use client";

import { useMemo } from "react";
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from "@tanstack/react-query";
import type { TInboxDetail, TInboxItem } from "@/lib/approvals";
import { sendJson } from "@/components/send-json";

export const FILTERS = ["agent", "actionType", "workflow", "environment", "age", "kind"] as const;
export type TFilterName = (typeof FILTERS)[number];
export type TFilters = Partial<Record<TFilterName, string>>;

/** One page of `GET /api/internal/inbox`: the total is counted on the first page only. */
export type TInboxPage = {
  items: TInboxItem[];
  total: number | null;
  totalCapped?: boolean;
  nextCursor: string | null;
};

/** What the decision endpoints answer; a draft's execute answers with its new status. */
export type TDecisionAnswer = { status: string; approvals?: number; required?: number };

/** A decision ready to send: the endpoint and body, and which request it decides. */
export type TDecisionCall = { id: string; url: string; body: Record<string, unknown> };

export type TBulkAnswer = {
  decided: number;
  failed: number;
  results: { id: string; ok: boolean; status?: string; error?: string }[];
};

/** The inbox's query keys, defined once: lists by their filters, one request's review. */
export const inboxKeys = {
  all: ["inbox"] as const,
  lists: () => [...inboxKeys.all, "list"] as const,
  list: (filters: TFilters) => [...inboxKeys.lists(), filters] as const,
  detail: (id: string) => [...inboxKeys.all, "detail", id] as const,
};

const searchOf = (filters: TFilters) =>
  new URLSearchParams(Object.entries(filters).filter(([, v]) => v) as [string, string][]);

/**
 * The waiting requests, one keyset page after another ("Load more" asks for the next cursor).
 * The first page is the one the server rendered, so the first paint needs no fetch; the cache
 * entry goes when the board does, so the next visit starts from the server's page again.
 */
export function useInboxList(filters: TFilters, initial: TInboxPage) {
  const query = useInfiniteQuery({
    queryKey: inboxKeys.list(filters),
    queryFn: ({ pageParam }) => {
      const q = searchOf(filters);
      if (pageParam) q.set("cursor", pageParam);
      return sendJson<TInboxPage>(`/api/internal/inbox${q.size ? `?${q}` : ""}`);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    initialData: { pages: [initial], pageParams: [null] },
    gcTime: 0,
  });
  const items = useMemo(() => {
    // a refetch or a later page may repeat a request that moved up meanwhile: show it once
    const byId = new Map<string, TInboxItem>();
    for (const page of query.data.pages) for (const i of page.items) byId.set(i.id, i);
    return [...byId.values()];
  }, [query.data]);
  const first = query.data.pages[0];
  return { ...query, items, total: first?.total ?? null, totalCapped: !!first?.totalCapped };
}

/** One request as an approver reviews it, with the record read from Salesforce now. */
export function useInboxDetail(id: string) {
  return useQuery({
    queryKey: inboxKeys.detail(id),
    queryFn: () => sendJson<TInboxDetail>(`/api/internal/inbox/${encodeURIComponent(id)}`),
    // each time a request is opened the record is read again; the last read shows meanwhile
    staleTime: 0,
  });
}

function afterDecision(client: QueryClient, ids: string[]) {
  // the lists reload (others' decisions and new requests show up); a decided request's review
  // is read again the next time it is opened, not now
  for (const id of ids)
    void client.invalidateQueries({ queryKey: inboxKeys.detail(id), refetchType: "none" });
  return client.invalidateQueries({ queryKey: inboxKeys.lists() });
}

/** Approve, deny, execute or discard one request. */
export function useDecision() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (call: TDecisionCall) => sendJson<TDecisionAnswer>(call.url, "POST", call.body),
    onSuccess: (_, call) => afterDecision(client, [call.id]),
  });
}

/** Approve or deny a selection with one reason; each request is decided on its own. */
export function useBulkDecision() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { ids: string[]; decision: "approve" | "deny"; reason?: string }) =>
      sendJson<TBulkAnswer>("/api/internal/inbox/bulk", "POST", body),
    onSuccess: (res) =>
      afterDecision(
        client,
        res.results.filter((r) => r.ok).map((r) => r.id),
      ),
  });
}
