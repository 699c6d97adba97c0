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

type TKeyPress = Pick<KeyboardEvent, "key" | "metaKey" | "ctrlKey" | "altKey"> & {
  /** the tag of the element the key went to */
  tagName: string;
};

/** What a key press does in the inbox, or undefined when it is not the inbox's to handle. */
export function inboxKeyAction(press: TKeyPress, actions: TInboxKeyActions) {
  if (TYPING.has(press.tagName) || press.metaKey || press.ctrlKey || press.altKey) return;
  return Object.hasOwn(ACTIONS, press.key) ? ACTIONS[press.key](actions) : undefined;
}

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
      const tagName = (e.target as HTMLElement).tagName;
      const run = inboxKeyAction(
        { key: e.key, metaKey: e.metaKey, ctrlKey: e.ctrlKey, altKey: e.altKey, tagName },
        latest.current,
      );
      if (!run) return;
      run();
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
