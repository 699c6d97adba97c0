"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TRequestHistory } from "@/lib/requests/request-history";
import type { TRevertPlan } from "@/lib/reverts";
import { sendJson } from "@/components/send-json";

export type THistory = TSerialized<TRequestHistory>;
export type TPlan = TSerialized<TRevertPlan>;
export type TResolution = "skip" | "overwrite";

/** One request's query keys: its history, and the revert plan read from Salesforce. */
export const requestKeys = {
  history: (id: string) => ["request", id, "history"] as const,
  revertPlan: (id: string) => ["request", id, "revert-plan"] as const,
};

const url = (id: string, tail = "") => `/api/internal/requests/${encodeURIComponent(id)}${tail}`;

/**
 * The request's whole life, first as the server rendered it. It is read again every 5 s while
 * something can still happen to it (waiting, executing, a revert under way), so a page left
 * open shows the approval and the write without a reload.
 */
export function useRequestHistory(id: string, initial: THistory, renderedAt: string) {
  return useQuery({
    queryKey: requestKeys.history(id),
    queryFn: () => sendJson<THistory>(url(id)),
    initialData: initial,
    initialDataUpdatedAt: new Date(renderedAt).getTime(),
    refetchInterval: (q) => (q.state.data && isSettled(q.state.data) ? false : 5_000),
  });
}

const SETTLED = new Set([
  "denied",
  "observed",
  "expired",
  "discarded",
  "succeeded",
  "reverted",
  "failed",
]);

/** Nothing more happens to it on its own: no refresh needed. */
export function isSettled(h: THistory) {
  const revertOpen = h.revert.requests.some((r) => !SETTLED.has(r.status));
  return SETTLED.has(h.request.status) && !revertOpen;
}

/** What a revert would do now: read when the revert form opens, never cached. */
export function useRevertPlan(id: string, enabled: boolean) {
  return useQuery({
    queryKey: requestKeys.revertPlan(id),
    queryFn: () => sendJson<TPlan>(url(id, "/revert")),
    enabled,
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });
}

/** Ask for the revert; the history is read again either way. */
export function useRequestRevert(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: {
      reason: string;
      resolutions: Record<string, TResolution>;
      overwriteReason?: string;
      seen: Record<string, unknown>;
    }) =>
      sendJson<{ id: string; status: string; approverRole: string | null }>(
        url(id, "/revert"),
        "POST",
        body,
      ),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: requestKeys.history(id) });
      void client.invalidateQueries({ queryKey: requestKeys.revertPlan(id) });
    },
  });
}
