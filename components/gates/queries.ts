"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TGate } from "@/lib/gates/evaluate-gate";
import type { TPhaseChangeRow } from "@/lib/gates/phase-change";
import type { TPhaseChangeInput, TPromotionCriteriaInput } from "@/lib/gates/schemas";
import { sendJson } from "@/components/send-json";

export type TGateView = { gate: TSerialized<TGate>; changes: TSerialized<TPhaseChangeRow>[] };

export const gateKeys = {
  gate: (agentId: string) => ["agents", agentId, "gate"] as const,
};

const base = (agentId: string) => `/api/internal/agents/${encodeURIComponent(agentId)}`;

/** The agent's gate, first as the server rendered it, then read again every 30 s. */
export function useGate(agentId: string, initial: TGateView, renderedAt: string) {
  return useQuery({
    queryKey: gateKeys.gate(agentId),
    queryFn: () => sendJson<TGateView>(`${base(agentId)}/gate`),
    initialData: initial,
    initialDataUpdatedAt: new Date(renderedAt).getTime(),
    refetchInterval: 30_000,
  });
}

/** A promotion or demotion; whatever the answer, the gate is read again. */
export function useChangePhase(agentId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TPhaseChangeInput) =>
      sendJson<{ phase: string; changeId: string }>(`${base(agentId)}/phase`, "POST", body),
    onSettled: () => client.invalidateQueries({ queryKey: gateKeys.gate(agentId) }),
  });
}

export function useSetCriteria(agentId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TPromotionCriteriaInput) =>
      sendJson<{ changed: boolean }>(`${base(agentId)}/criteria`, "POST", body),
    onSettled: () => client.invalidateQueries({ queryKey: gateKeys.gate(agentId) }),
  });
}
