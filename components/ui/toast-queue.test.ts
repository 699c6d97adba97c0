import { describe, expect, it } from "vitest";
import { TOAST_LIMIT, toastReducer, type TToastItem } from "./toast-queue";

const undo = { onUndo: () => {}, onCommit: () => {} };
const add = (state: TToastItem[], id: string, withUndo = false) =>
  toastReducer(state, { type: "add", id, toast: { title: id, ...(withUndo ? { undo } : {}) } });
const outcome = (state: TToastItem[], id: string) => state.find((t) => t.id === id)?.outcome;

describe("toastReducer", () => {
  it("adds an open toast with the defaults", () => {
    const [t] = add([], "a", true);
    expect(t).toMatchObject({
      id: "a",
      tone: "info",
      open: true,
      outcome: null,
      undoLabel: "Undo",
    });
    expect(t.duration).toBeGreaterThan(0);
  });

  // an undo toast ends one way only: whatever comes second cannot change the first outcome
  it.each([
    ["undo", "close", "undone"],
    ["close", "undo", "committed"],
  ] as const)("%s then %s → %s", (first, second, expected) => {
    let s = toastReducer(add([], "a", true), { type: first, id: "a" });
    expect(outcome(s, "a")).toBe(expected);
    expect(s[0].open).toBe(false);
    s = toastReducer(s, { type: second, id: "a" });
    expect(outcome(s, "a")).toBe(expected);
  });

  it("a plain toast is dismissed, and has nothing to undo", () => {
    let s = add([], "a");
    s = toastReducer(s, { type: "undo", id: "a" });
    expect(s[0].open).toBe(true);
    s = toastReducer(s, { type: "close", id: "a" });
    expect(outcome(s, "a")).toBe("dismissed");
  });

  it(`keeps at most ${TOAST_LIMIT} open: a newer toast closes the oldest and commits its undo`, () => {
    let s: TToastItem[] = [];
    s = add(s, "old", true);
    for (let i = 1; i < TOAST_LIMIT; i++) s = add(s, `t${i}`);
    expect(s.every((t) => t.open)).toBe(true);
    s = add(s, "new");
    expect(s.filter((t) => t.open)).toHaveLength(TOAST_LIMIT);
    expect(outcome(s, "old")).toBe("committed");
    expect(outcome(s, "new")).toBeNull();
  });

  it("remove forgets a toast; actions on unknown ids change nothing", () => {
    let s = add([], "a");
    s = toastReducer(s, { type: "remove", id: "a" });
    expect(s).toEqual([]);
    expect(toastReducer(s, { type: "close", id: "zz" })).toEqual([]);
  });
});
