"use client";

import { useEffect, useState } from "react";

/** "Approved <record> — Undo", with the seconds left before the approval is sent. */
export function UndoToast({
  label,
  until,
  onUndo,
}: {
  label: string;
  until: number;
  onUndo: () => void;
}) {
  const [left, setLeft] = useState(() => Math.max(0, Math.ceil((until - Date.now()) / 1000)));
  useEffect(() => {
    const t = setInterval(() => setLeft(Math.max(0, Math.ceil((until - Date.now()) / 1000))), 250);
    return () => clearInterval(t);
  }, [until]);
  return (
    <div
      role="status"
      aria-label="Approval to undo"
      className="fixed bottom-4 right-4 z-50 flex max-w-[calc(100vw-2rem)] items-center gap-3 rounded-lg bg-slate-900 px-4 py-2.5 text-sm text-white shadow-lg"
    >
      <span className="min-w-0 truncate">Approved {label}</span>
      <button
        type="button"
        onClick={onUndo}
        className="rounded px-1 font-semibold text-sky-300 underline hover:text-sky-200"
      >
        Undo
      </button>
      <span className="whitespace-nowrap text-xs text-white/80">sent in {left} s · u</span>
    </div>
  );
}
