"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TElevation } from "@/lib/agents/elevate-agent";
import type { TElevateAgentInput } from "@/lib/agents/schemas";
import { sendJson } from "@/components/send-json";

export type TElevationRow = TSerialized<TElevation>;

/** The agent page's query keys, defined once. */
export const agentKeys = {
  all: ["agents"] as const,
  elevations: (agentId: string) => [...agentKeys.all, agentId, "elevations"] as const,
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
    onSuccess: (res) => client.setQueryData(agentKeys.elevations(agentId), res.elevations),
    onError: () => void client.invalidateQueries({ queryKey: agentKeys.elevations(agentId) }),
  });
}
