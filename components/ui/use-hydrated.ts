"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

/**
 * False in the server's HTML and during hydration, true once React owns the page. A button whose
 * only behaviour is its onClick renders disabled until then, so an early click waits instead of
 * doing nothing (people on a slow network, and Playwright, which waits for enabled).
 */
export function useHydrated() {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
