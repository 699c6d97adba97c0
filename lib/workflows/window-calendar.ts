/**
 * Change windows as a week: the calendar the console draws, and the comparison that says whether
 * an edit lets agents act at more times. Both ask the policy engine's own `checkChangeWindows`
 * minute by minute, so what the calendar shows is what the gate enforces. Pure (no server code).
 */
import { checkChangeWindows } from "@/lib/policy/change-window";
import type { TChangeWindow } from "@/lib/policy/types";

const MINUTE = 60_000;
const WEEK_MINUTES = 7 * 24 * 60;
/** Monday first, as a work week reads */
const ORDER = [1, 2, 3, 4, 5, 6, 0] as const;
const NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** Day of week (0 = Sunday) and minute of the day of `at` on `tz`'s wall clock. */
export function wallClock(at: Date, tz: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return {
    day: NAMES.indexOf(get("weekday")),
    minute: Number(get("hour")) * 60 + Number(get("minute")),
  };
}

export type TWeekGrid = {
  tz: string;
  slotMinutes: number;
  /** Monday first; `open[i]` = writes allowed during slot i of the day */
  days: { day: number; label: string; open: boolean[]; ranges: string[] }[];
  /** where "now" falls: index into `days`, minute of the day */
  now: { dayIndex: number; minute: number };
};

const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

/**
 * The current week (Monday 00:00 to Sunday 24:00 on `tz`'s clock) in slots of `slotMinutes`:
 * a slot is open when the engine would let a write through at its start. Across a daylight
 * saving change the week's slots are an hour off for the rest of that week: the grid is nominal.
 */
export function weekGrid(
  windows: readonly TChangeWindow[],
  tz: string,
  now: Date,
  slotMinutes = 30,
): TWeekGrid {
  const here = wallClock(now, tz);
  const dayIndex = ORDER.indexOf(here.day as (typeof ORDER)[number]);
  const sinceMonday = dayIndex * 1440 + here.minute;
  const weekStart = Math.floor(now.getTime() / MINUTE) * MINUTE - sinceMonday * MINUTE;
  const perDay = 1440 / slotMinutes;
  const days = ORDER.map((day, d) => {
    const open: boolean[] = [];
    for (let s = 0; s < perDay; s++) {
      const at = new Date(weekStart + (d * 1440 + s * slotMinutes) * MINUTE);
      open.push(checkChangeWindows(windows, at).open);
    }
    const ranges: string[] = [];
    for (let s = 0; s < perDay; s++) {
      if (!open[s] || (s > 0 && open[s - 1])) continue;
      let e = s;
      while (e + 1 < perDay && open[e + 1]) e++;
      ranges.push(`${hhmm(s * slotMinutes)}–${hhmm((e + 1) * slotMinutes)}`);
    }
    return { day, label: NAMES[day], open, ranges };
  });
  return { tz, slotMinutes, days, now: { dayIndex, minute: here.minute } };
}

/** The minutes of the coming week (from `from`) at which the windows let a write through. */
function coverage(windows: readonly TChangeWindow[], from: Date): Uint8Array {
  const out = new Uint8Array(WEEK_MINUTES);
  if (windows.length === 0) return out.fill(1);
  const start = Math.floor(from.getTime() / MINUTE) * MINUTE;
  for (let m = 0; m < WEEK_MINUTES; m++)
    out[m] = checkChangeWindows(windows, new Date(start + m * MINUTE)).open ? 1 : 0;
  return out;
}

/**
 * Whether `after` lets agents act at a time `before` did not, over the coming week (an empty
 * list means "any time", the widest). A widening needs a reason.
 */
export function widensWindows(
  before: readonly TChangeWindow[],
  after: readonly TChangeWindow[],
  from: Date,
): boolean {
  if (before.length === 0) return false;
  if (after.length === 0) return true;
  const a = coverage(before, from);
  const b = coverage(after, from);
  for (let m = 0; m < WEEK_MINUTES; m++) if (b[m] && !a[m]) return true;
  return false;
}
