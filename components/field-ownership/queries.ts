"use client";

import { useQuery } from "@tanstack/react-query";
import type { TSerialized } from "@/lib/core/serialize";
import type { TFieldOwnershipList } from "@/lib/field-ownership/field-ownership";
import { sendJson } from "@/components/send-json";

export type TOwnershipList = TSerialized<TFieldOwnershipList>;
export type TOwnershipRow = TOwnershipList["rows"][number];

export const ownershipKey = ["field-ownership"] as const;
export const OWNERSHIP_URL = "/api/internal/field-ownership";

/** Every ownership row and the form's choices, first as the server rendered them. */
export function useFieldOwnership(initial: TOwnershipList, renderedAt: string) {
  return useQuery({
    queryKey: ownershipKey,
    queryFn: () => sendJson<TOwnershipList>(OWNERSHIP_URL),
    initialData: initial,
    initialDataUpdatedAt: new Date(renderedAt).getTime(),
  });
}
