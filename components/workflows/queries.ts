"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TWorkflowDetail } from "@/lib/workflows/read-workflows";
import type { TCreateVersionInput, TEditDraftInput } from "@/lib/workflows/workflow-schema";
import { sendJson } from "@/components/send-json";

export type TDetail = TSerialized<TWorkflowDetail>;
export type TVersion = TDetail["versions"][number];

const BASE = "/api/internal/workflows";

/** The workflows page's query keys, defined once. */
export const workflowKeys = {
  all: ["workflows"] as const,
  detail: (id: string) => [...workflowKeys.all, "detail", id] as const,
};

export function useWorkflow(id: string, initial: TDetail) {
  return useQuery({
    queryKey: workflowKeys.detail(id),
    queryFn: () => sendJson<TDetail>(`${BASE}/${encodeURIComponent(id)}`),
    initialData: initial,
    staleTime: 0,
  });
}

type TResult = {
  version: { id: string; version: number; status: string; rolloutPercent?: number };
};

/** Every change reads the workflow again (versions, counts, switch). */
function useWorkflowMutation<TBody>(send: (body: TBody) => Promise<TResult>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSettled: () => client.invalidateQueries({ queryKey: workflowKeys.all }),
  });
}

const versionUrl = (workflowId: string, versionId: string) =>
  `${BASE}/${encodeURIComponent(workflowId)}/versions/${encodeURIComponent(versionId)}`;

export const useCreateVersion = (workflowId: string) =>
  useWorkflowMutation((body: TCreateVersionInput) =>
    sendJson<TResult>(`${BASE}/${encodeURIComponent(workflowId)}/versions`, "POST", body),
  );

export const useEditDraft = (workflowId: string, versionId: string) =>
  useWorkflowMutation((body: TEditDraftInput) =>
    sendJson<TResult>(versionUrl(workflowId, versionId), "PATCH", body),
  );

export type TStep = "publish" | "promote" | "rollback" | "discard";

export const useVersionStep = (workflowId: string, versionId: string) =>
  useWorkflowMutation((body: { step: TStep; reason: string; from?: number }) =>
    sendJson<TResult>(
      `${versionUrl(workflowId, versionId)}/${body.step}`,
      "POST",
      body.step === "promote"
        ? { from: body.from, reason: body.reason }
        : body.step === "discard"
          ? { reason: body.reason || undefined }
          : { reason: body.reason },
    ),
  );
