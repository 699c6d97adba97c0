"use client";

import * as ToastPrimitive from "@radix-ui/react-toast";
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useRef,
} from "react";
import { CloseButton } from "./button";
import { cx } from "./cx";
import { toastReducer, type TToastInput, type TToastItem } from "./toast-queue";

type TToastApi = {
  /** shows a toast and returns its id */
  toast: (t: TToastInput) => string;
  /** closes it early (an undo toast then commits) */
  dismiss: (id: string) => void;
};

const ToastContext = createContext<TToastApi | null>(null);

/** Toasts for the console: wrap a page tree once (the console shell does), then `useToast()`. */
export function useToast(): TToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error("useToast() needs a <ToastProvider> above it");
  return api;
}

const TONE = {
  info: "border-slate-700 bg-slate-900 text-white",
  success: "border-emerald-700 bg-emerald-800 text-white",
  error: "border-red-800 bg-red-700 text-white",
} as const;

export function ToastProvider({ children }: { children: React.ReactNode }) {
  const [toasts, dispatch] = useReducer(toastReducer, []);
  // callbacks stay out of the reducer's state; each runs once, when its toast's outcome is set
  const callbacks = useRef(new Map<string, NonNullable<TToastInput["undo"]>>());
  const seq = useRef(0);

  useEffect(() => {
    for (const t of toasts) {
      const cb = t.outcome && callbacks.current.get(t.id);
      if (!cb) continue;
      callbacks.current.delete(t.id);
      if (t.outcome === "undone") cb.onUndo();
      else cb.onCommit?.();
    }
    // Radix has unmounted a closed toast by now; drop it from the queue too
    for (const t of toasts) if (!t.open) dispatch({ type: "remove", id: t.id });
  }, [toasts]);

  const toast = useCallback((input: TToastInput) => {
    const id = `toast-${++seq.current}`;
    if (input.undo) callbacks.current.set(id, input.undo);
    dispatch({ type: "add", id, toast: input });
    return id;
  }, []);
  const dismiss = useCallback((id: string) => dispatch({ type: "close", id }), []);
  const api = useMemo(() => ({ toast, dismiss }), [toast, dismiss]);

  return (
    <ToastContext.Provider value={api}>
      <ToastPrimitive.Provider swipeDirection="right" label="Notifications">
        {children}
        {toasts.map((t) => (
          <ToastView key={t.id} t={t} dispatch={dispatch} />
        ))}
        <ToastPrimitive.Viewport className="fixed bottom-0 right-0 z-50 flex w-full max-w-sm flex-col gap-2 p-4 outline-none" />
      </ToastPrimitive.Provider>
    </ToastContext.Provider>
  );
}

function ToastView({
  t,
  dispatch,
}: {
  t: TToastItem;
  dispatch: React.Dispatch<Parameters<typeof toastReducer>[1]>;
}) {
  return (
    <ToastPrimitive.Root
      open={t.open}
      duration={t.duration}
      // an error or a pending undo is announced at once; the rest politely
      type={t.tone === "error" || t.undoLabel ? "foreground" : "background"}
      onOpenChange={(open) => {
        if (!open) dispatch({ type: "close", id: t.id });
      }}
      className={cx(
        "flex items-start gap-3 rounded-lg border px-4 py-3 text-sm shadow-lg",
        TONE[t.tone],
      )}
    >
      <div className="min-w-0 flex-1">
        <ToastPrimitive.Title className="font-medium">{t.title}</ToastPrimitive.Title>
        {t.description && (
          <ToastPrimitive.Description className="mt-0.5 text-xs text-white/90">
            {t.description}
          </ToastPrimitive.Description>
        )}
      </div>
      {t.undoLabel && (
        <ToastPrimitive.Action
          altText={`${t.undoLabel}: ${t.title}`}
          onClick={(e) => {
            // the reducer closes it as undone; Radix would otherwise close it as dismissed
            e.preventDefault();
            dispatch({ type: "undo", id: t.id });
          }}
          className="rounded px-1 font-semibold text-white underline hover:no-underline focus-visible:outline-2 focus-visible:outline-white"
        >
          {t.undoLabel}
        </ToastPrimitive.Action>
      )}
      <ToastPrimitive.Close asChild>
        <CloseButton label="Dismiss" onDark />
      </ToastPrimitive.Close>
    </ToastPrimitive.Root>
  );
}
