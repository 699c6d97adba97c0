"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TMatrixVersionDetail, TMatrixVersionRow, TSimulation } from "@/lib/matrix";
import type { TRuleSettings } from "@/lib/matrix/rule-schema";
import { sendJson } from "@/components/send-json";

export type TVersionRow = TSerialized<TMatrixVersionRow>;
export type TVersionDetail = TSerialized<TMatrixVersionDetail>;
export type TSimulationResult = TSerialized<TSimulation>;

const BASE = "/api/internal/policy-matrix/versions";

/** The matrix editor's query keys, defined once: the history, one version, its simulation. */
export const matrixKeys = {
  all: ["policy-matrix"] as const,
  versions: () => [...matrixKeys.all, "versions"] as const,
  version: (id: string) => [...matrixKeys.all, "version", id] as const,
  simulation: (id: string) => [...matrixKeys.all, "simulation", id] as const,
};

export function useVersions(initial: TVersionRow[]) {
  return useQuery({
    queryKey: matrixKeys.versions(),
    queryFn: async () => (await sendJson<{ versions: TVersionRow[] }>(BASE)).versions,
    initialData: initial,
    staleTime: 0,
  });
}

export function useVersion(id: string, initial: TVersionDetail) {
  return useQuery({
    queryKey: matrixKeys.version(id),
    queryFn: () => sendJson<TVersionDetail>(`${BASE}/${encodeURIComponent(id)}`),
    initialData: initial,
    staleTime: 0,
  });
}

/** The last 30 days replayed through the version (read on demand: it reads many rows). */
export function useSimulation(id: string, enabled: boolean) {
  return useQuery({
    queryKey: matrixKeys.simulation(id),
    queryFn: async () =>
      (
        await sendJson<{ simulation: TSimulationResult }>(
          `${BASE}/${encodeURIComponent(id)}/simulation`,
        )
      ).simulation,
    enabled,
    staleTime: 30_000,
  });
}

/** Every change reads the history, the version and its simulation again. */
function useMatrixMutation<TBody, TResult>(send: (body: TBody) => Promise<TResult>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSettled: () => client.invalidateQueries({ queryKey: matrixKeys.all }),
  });
}

export const useCreateDraft = () =>
  useMatrixMutation((body: { note?: string }) =>
    sendJson<{ draft: { id: string; version: number } }>(BASE, "POST", body),
  );

export const useEditRule = (id: string) =>
  useMatrixMutation((body: { actionType: string; settings: TRuleSettings }) =>
    sendJson(
      `${BASE}/${encodeURIComponent(id)}/rules/${encodeURIComponent(body.actionType)}`,
      "PUT",
      body.settings,
    ),
  );

export type TVersionStep = "publish" | "rollback" | "discard";

export const useVersionStep = (id: string) =>
  useMatrixMutation(
    (body: {
      step: TVersionStep;
      reason: string;
      expectedActiveVersion?: number | null;
      draftUpdatedAt?: string;
    }) =>
      sendJson<{ version: { id: string; version: number } }>(
        `${BASE}/${encodeURIComponent(id)}/${body.step}`,
        "POST",
        body.step === "discard"
          ? { reason: body.reason || undefined }
          : body.step === "publish"
            ? {
                reason: body.reason,
                expectedActiveVersion: body.expectedActiveVersion,
                draftUpdatedAt: body.draftUpdatedAt,
              }
            : { reason: body.reason, expectedActiveVersion: body.expectedActiveVersion },
      ),
  );
