"use client";

import { useCallback, useState } from "react";

/**
 * The busy flag and the error message of one action a person starts (a form submit, a button):
 * `run` clears the last error, marks busy, and keeps the thrown message for the UI. It resolves
 * to whether the action succeeded, so a caller closes its form only on success.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}
