"use client";

import { useMutation, useQuery, useQueryClient, keepPreviousData } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TIncident } from "@/lib/incidents/incidents";
import type {
  TCloseIncidentInput,
  TOpenIncidentInput,
  TSetSeverityInput,
} from "@/lib/incidents/schemas";
import { sendJson } from "@/components/send-json";

export type TIncidentRow = TSerialized<TIncident>;
export type TIncidentFilters = { state: string; agent: string; source: string; severity: string };
type TList = { incidents: TIncidentRow[] };

export const incidentKeys = {
  all: ["incidents"] as const,
  list: (f: TIncidentFilters) => [...incidentKeys.all, f] as const,
};

export const searchOf = (f: Partial<TIncidentFilters>) =>
  new URLSearchParams(Object.entries(f).filter((e): e is [string, string] => !!e[1]));

/** The log as the filters say, first as the server rendered it, then every 15 s. */
export function useIncidents(filters: TIncidentFilters, initial: TList) {
  return useQuery({
    queryKey: incidentKeys.list(filters),
    queryFn: () => sendJson<TList>(`/api/internal/incidents?${searchOf(filters)}`),
    initialData: initial,
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
}

function useRefreshIncidents() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: incidentKeys.all });
}

export function useSetSeverity() {
  const refresh = useRefreshIncidents();
  return useMutation({
    mutationFn: ({ id, ...body }: TSetSeverityInput & { id: string }) =>
      sendJson(`/api/internal/incidents/${encodeURIComponent(id)}/severity`, "POST", body),
    onSettled: refresh,
  });
}

export function useCloseIncident() {
  const refresh = useRefreshIncidents();
  return useMutation({
    mutationFn: ({ id, ...body }: TCloseIncidentInput & { id: string }) =>
      sendJson(`/api/internal/incidents/${encodeURIComponent(id)}/close`, "POST", body),
    onSettled: refresh,
  });
}

export function useOpenIncident() {
  const refresh = useRefreshIncidents();
  return useMutation({
    mutationFn: (body: TOpenIncidentInput) =>
      sendJson<{ id: string }>(`/api/internal/incidents`, "POST", body),
    onSettled: refresh,
  });
}
