"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import type { TSerialized } from "@/lib/core/serialize";
import type { TElevation } from "@/lib/agents/elevate-agent";
import type { TAgentGrants } from "@/lib/agents/grants";
import type { TElevateAgentInput } from "@/lib/agents/schemas";
import { sendJson } from "@/components/send-json";

export type TElevationRow = TSerialized<TElevation>;
export type TAgentGrantsData = TSerialized<TAgentGrants>;
export type TGrantSetRow = TAgentGrantsData["sets"][number];
export type TGrantRow = TGrantSetRow["grants"][number];

/** The agent page's query keys, defined once. */
export const agentKeys = {
  all: ["agents"] as const,
  elevations: (agentId: string) => [...agentKeys.all, agentId, "elevations"] as const,
  grants: (agentId: string) => [...agentKeys.all, agentId, "grants"] as const,
};

const base = (agentId: string) => `/api/internal/agents/${encodeURIComponent(agentId)}`;

/** The agent's time-bounded grants, first as the server rendered them. */
export function useElevations(agentId: string, initial: TElevationRow[], renderedAt: string) {
  return useQuery({
    queryKey: agentKeys.elevations(agentId),
    queryFn: async () =>
      (await sendJson<{ elevations: TElevationRow[] }>(`${base(agentId)}/elevations`)).elevations,
    initialData: initial,
    initialDataUpdatedAt: new Date(renderedAt).getTime(),
  });
}

/** Elevate: the answer carries the fresh list; a refusal reads the list again. */
export function useElevateAgent(agentId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TElevateAgentInput) =>
      sendJson<{ grantId: string; validUntil: string; elevations: TElevationRow[] }>(
        `${base(agentId)}/elevations`,
        "POST",
        body,
      ),
    onSuccess: (res) => {
      client.setQueryData(agentKeys.elevations(agentId), res.elevations);
      // the grants card lists the elevation's grant too
      void client.invalidateQueries({ queryKey: agentKeys.grants(agentId) });
    },
    onError: () => void client.invalidateQueries({ queryKey: [...agentKeys.all, agentId] }),
  });
}

/** The agent's permission sets, their grants (live, then recently revoked) and what it could attach. */
export function useAgentGrants(agentId: string, initial: TAgentGrantsData, renderedAt: string) {
  return useQuery({
    queryKey: agentKeys.grants(agentId),
    queryFn: () => sendJson<TAgentGrantsData>(`${base(agentId)}/grants`),
    initialData: initial,
    initialDataUpdatedAt: new Date(renderedAt).getTime(),
  });
}

/**
 * A change to the agent's scope from one of the grant dialogs: sent to `path` under the agent;
 * on success (and on a refusal, which may mean someone else changed it) every view of the
 * agent's scope is read again — its grants, elevations, reviews and the server-rendered page.
 */
export function useScopeChange<TBody>(agentId: string) {
  const client = useQueryClient();
  const router = useRouter();
  const reread = () => {
    void client.invalidateQueries({ queryKey: [...agentKeys.all, agentId] });
    router.refresh();
  };
  return useMutation({
    mutationFn: ({ path, method, body }: { path: string; method: string; body: TBody }) =>
      sendJson<unknown>(`${base(agentId)}/${path}`, method, body),
    onSuccess: reread,
    onError: reread,
  });
}
