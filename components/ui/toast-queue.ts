/**
 * The toast queue as a pure reducer, so its rules are tested without a DOM. A toast with an undo
 * ends exactly one way: `undone` (the Undo button, while it is open) or `committed` (it closed
 * any other way: its time ran out, it was dismissed, or newer toasts pushed it out). The provider
 * runs the matching callback once per toast, when `outcome` is set.
 */
export type TToastTone = "info" | "success" | "error";

export type TToastInput = {
  title: string;
  description?: string;
  tone?: TToastTone;
  /** ms on screen; Radix pauses the timer while the pointer or focus is on the toast */
  duration?: number;
  /** offer an Undo: `onUndo` runs if it is pressed in time, `onCommit` otherwise */
  undo?: { label?: string; onUndo: () => void; onCommit?: () => void };
};

export type TToastItem = Omit<TToastInput, "undo"> & {
  id: string;
  tone: TToastTone;
  duration: number;
  undoLabel: string | null;
  open: boolean;
  outcome: null | "undone" | "committed" | "dismissed";
};

export type TToastAction =
  | { type: "add"; id: string; toast: TToastInput }
  | { type: "undo"; id: string }
  | { type: "close"; id: string }
  | { type: "remove"; id: string };

/** At most this many toasts are open; a newer one closes the oldest (committing its undo). */
export const TOAST_LIMIT = 3;
export const TOAST_DURATION = 5_000;

function close(t: TToastItem, outcome: "undone" | "committed" | "dismissed"): TToastItem {
  return t.open ? { ...t, open: false, outcome } : t;
}

const closedOutcome = (t: TToastItem) => (t.undoLabel ? "committed" : "dismissed");

export function toastReducer(state: TToastItem[], action: TToastAction): TToastItem[] {
  switch (action.type) {
    case "add": {
      const { undo, ...rest } = action.toast;
      const item: TToastItem = {
        ...rest,
        id: action.id,
        tone: rest.tone ?? "info",
        duration: rest.duration ?? TOAST_DURATION,
        undoLabel: undo ? (undo.label ?? "Undo") : null,
        open: true,
        outcome: null,
      };
      const next = [...state, item];
      let overflow = next.filter((t) => t.open).length - TOAST_LIMIT;
      return next.map((t) => {
        if (overflow > 0 && t.open) {
          overflow--;
          return close(t, closedOutcome(t));
        }
        return t;
      });
    }
    case "undo":
      return state.map((t) => (t.id === action.id && t.undoLabel ? close(t, "undone") : t));
    case "close":
      return state.map((t) => (t.id === action.id ? close(t, closedOutcome(t)) : t));
    case "remove":
      return state.filter((t) => t.id !== action.id);
  }
}
