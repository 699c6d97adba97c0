"use client";

import { useEffect, useRef } from "react";

/** What each key does; a key whose action is missing (not allowed now) is left to the browser. */
export type TInboxKeyActions = {
  move: (delta: 1 | -1) => void;
  select?: () => void;
  approve?: () => void;
  deny?: () => void;
  undo?: () => void;
};

/** The line the filter bar shows, so the keys are discoverable. */
export const KEY_HINT = "keys: j/k move · x select · a approve (u undoes) · d deny";

const ACTIONS: Record<string, (a: TInboxKeyActions) => (() => void) | undefined> = {
  j: (a) => () => a.move(1),
  ArrowDown: (a) => () => a.move(1),
  k: (a) => () => a.move(-1),
  ArrowUp: (a) => () => a.move(-1),
  x: (a) => a.select,
  a: (a) => a.approve,
  d: (a) => a.deny,
  u: (a) => a.undo,
};

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/**
 * The inbox's keyboard: j/k (or the arrows) move, x selects, a approves (held for undo), d denies,
 * u undoes. Keys typed into a field, or with a modifier (browser shortcuts), are not ours.
 */
export function useInboxKeys(actions: TInboxKeyActions) {
  const latest = useRef(actions);
  useEffect(() => {
    latest.current = actions;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (TYPING.has(t.tagName) || e.metaKey || e.ctrlKey || e.altKey) return;
      const run = Object.hasOwn(ACTIONS, e.key) ? ACTIONS[e.key](latest.current) : undefined;
      if (!run) return;
      run();
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
