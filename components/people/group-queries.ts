"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TGroupRow } from "@/lib/groups/groups";
import { sendJson } from "@/components/send-json";

export type TGroup = TSerialized<TGroupRow>;

/** The approver groups page's query keys, defined once. */
export const groupKeys = { all: ["groups"] as const };

export function useGroups(initial: TGroup[], renderedAt: string) {
  return useQuery({
    queryKey: groupKeys.all,
    queryFn: async () => (await sendJson<{ groups: TGroup[] }>("/api/internal/groups")).groups,
    initialData: initial,
    initialDataUpdatedAt: new Date(renderedAt).getTime(),
  });
}

/**
 * One change to a group (`path` under /api/internal/groups): the list is read again after it,
 * refused or not, so a stale form shows the other admin's change.
 */
export function useGroupChange<T = unknown>(path: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: unknown) => sendJson<T>(`/api/internal/groups${path}`, "POST", body),
    onSettled: () => client.invalidateQueries({ queryKey: groupKeys.all }),
  });
}
