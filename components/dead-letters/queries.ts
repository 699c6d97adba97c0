"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type {
  TDeadLetterDetail,
  TDeadLetterRow,
  TRetryPolicyRow,
} from "@/lib/execution/dead-letters";
import { sendJson } from "@/components/send-json";

export type TLetterRow = TSerialized<TDeadLetterRow>;
export type TLetterDetail = TSerialized<TDeadLetterDetail>;

/** `GET /api/internal/dead-letters`: the letters, and the retry policy that sent them here. */
export type TLetterList = {
  deadLetters: TLetterRow[];
  retryPolicy: TSerialized<TRetryPolicyRow>[];
};

export type TLetterAction = "retry" | "reroute" | "discard";

/** The dead-letter queue's query keys, defined once: the list (with or without resolved ones), one letter. */
export const deadLetterKeys = {
  all: ["dead-letters"] as const,
  lists: () => [...deadLetterKeys.all, "list"] as const,
  list: (includeResolved: boolean) => [...deadLetterKeys.lists(), { includeResolved }] as const,
  detail: (requestId: string) => [...deadLetterKeys.all, "detail", requestId] as const,
};

/**
 * The queue as the server rendered it, then as the API answers after a change. `renderedAt`
 * (the server's clock) is when the first data was read: ages count from when the data was read,
 * so they read the same on the server and in the browser. The cache entry goes with the board,
 * so the next visit (or the other "Show resolved" setting) starts from the server's render.
 */
export function useDeadLetters(includeResolved: boolean, initial: TLetterList, renderedAt: string) {
  return useQuery({
    queryKey: deadLetterKeys.list(includeResolved),
    queryFn: () =>
      sendJson<TLetterList>(
        `/api/internal/dead-letters${includeResolved ? "?includeResolved=true" : ""}`,
      ),
    initialData: initial,
    initialDataUpdatedAt: new Date(renderedAt).getTime(),
    gcTime: 0,
  });
}

/** One letter's whole story: the error, the field diff, every try, the audit timeline. */
export function useDeadLetter(requestId: string) {
  return useQuery({
    queryKey: deadLetterKeys.detail(requestId),
    queryFn: () =>
      sendJson<TLetterDetail>(`/api/internal/dead-letters/${encodeURIComponent(requestId)}`),
    // opened again, it is read again (someone else may have resolved it); the last read shows meanwhile
    staleTime: 0,
  });
}

/**
 * Retry, re-route to approval, or discard one letter, with the reason the server insists on.
 * Either way the list and the letter are read again: a refusal often means someone else
 * resolved it meanwhile.
 */
export function useResolveDeadLetter(requestId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { action: TLetterAction; reason: string }) =>
      sendJson<{ id: string; status: string }>(
        `/api/internal/dead-letters/${encodeURIComponent(requestId)}`,
        "POST",
        body,
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: deadLetterKeys.lists() });
      // the panel closes: read the letter again only when it is opened again
      void client.invalidateQueries({
        queryKey: deadLetterKeys.detail(requestId),
        refetchType: "none",
      });
    },
    onError: () => {
      void client.invalidateQueries({ queryKey: deadLetterKeys.lists() });
      void client.invalidateQueries({ queryKey: deadLetterKeys.detail(requestId) });
    },
  });
}
