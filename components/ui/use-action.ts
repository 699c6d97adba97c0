"use client";

import { useMutation } from "@tanstack/react-query";
import { useCallback, useState } from "react";

/**
 * The busy flag and the error message of one action a person starts (a form submit, a button),
 * as a TanStack Query mutation like the inbox's and dead letters': `run` clears the last error,
 * runs the action, and keeps the thrown message for the UI. It resolves to whether the action
 * succeeded, so a caller closes its form only on success. `setError` lets a form show its own
 * check's message in the same place.
 */
export function useAction() {
  const { mutateAsync, isPending } = useMutation<unknown, Error, () => Promise<unknown>>({
    mutationFn: (action) => action(),
  });
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (action: () => Promise<unknown>): Promise<boolean> => {
      setError(null);
      try {
        await mutateAsync(action);
        return true;
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
        return false;
      }
    },
    [mutateAsync],
  );
  return { busy: isPending, error, run, setError };
}
