"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { TQueuedApproval } from "./decisions";

/** How long an approval given with the `a` key is held back before it is sent. */
export const UNDO_MS = 5_000;

type THeld = { q: TQueuedApproval; until: number };

/**
 * The `a` key's approval, held for UNDO_MS before `send` gets it. Holding a new one sends the
 * held one at once; `undo` takes the held one back. Leaving the page (another page, a filter
 * change, closing the tab) sends it too: the key press was the decision and the window only a
 * chance to take it back, so it goes with `keepalive`, which outlives the page.
 */
export function useHeldApproval(send: (q: TQueuedApproval) => void) {
  const [held, setHeld] = useState<THeld | null>(null);
  const ref = useRef<(THeld & { timer: ReturnType<typeof setTimeout> }) | null>(null);
  const sendRef = useRef(send);
  useEffect(() => {
    sendRef.current = send;
  }, [send]);

  /** Take the held approval out of the window without sending it. */
  const take = useCallback(() => {
    const p = ref.current;
    if (!p) return null;
    clearTimeout(p.timer);
    ref.current = null;
    setHeld(null);
    return p.q;
  }, []);

  const flush = useCallback(() => {
    const q = take();
    if (q) sendRef.current(q);
  }, [take]);

  const hold = useCallback(
    (q: TQueuedApproval) => {
      flush();
      const until = Date.now() + UNDO_MS;
      const timer = setTimeout(() => {
        if (ref.current?.q.id === q.id) flush();
      }, UNDO_MS);
      ref.current = { q, until, timer };
      setHeld({ q, until });
    },
    [flush],
  );

  useEffect(() => {
    const leave = () => {
      const p = ref.current;
      if (!p) return;
      clearTimeout(p.timer);
      ref.current = null;
      void fetch(p.q.url, {
        method: "POST",
        keepalive: true,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(p.q.body),
      });
    };
    window.addEventListener("pagehide", leave);
    return () => {
      window.removeEventListener("pagehide", leave);
      leave();
    };
  }, []);

  return { held, hold, undo: take, isHolding: () => ref.current !== null };
}
