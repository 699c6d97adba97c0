/**
 * Change windows of a workflow version: when its actions may run. Evaluated on the wall clock
 * of each window's zone (UTC unless `tz` names an IANA zone). A window whose `end` is not after
 * its `start` spans midnight and belongs to the day it starts on; start = end is a whole day.
 * Malformed windows never open (fail closed).
 */
import type { TChangeWindow } from "./types";

export type TWindowCheck =
  { open: true } | { open: false; nextOpenAt: Date | null; problem?: string };

const WEEK_SECONDS = 7 * 24 * 3600;
const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** "HH:MM" → minutes since midnight; "24:00" allowed as an end; -1 when malformed. */
function minutes(hhmm: string): number {
  if (typeof hhmm !== "string" || hhmm.length !== 5 || hhmm[2] !== ":") return -1;
  const h = Number(hhmm.slice(0, 2));
  const m = Number(hhmm.slice(3));
  if (!Number.isInteger(h) || !Number.isInteger(m) || m > 59 || h > 24 || (h === 24 && m > 0)) {
    return -1;
  }
  return h * 60 + m;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Seconds since Sunday 00:00 on the zone's wall clock; throws RangeError for an unknown zone. */
export function secondOfWeek(now: Date, tz: string | undefined): number {
  if (!tz || tz === "UTC" || tz === "Etc/UTC") {
    return (
      now.getUTCDay() * 86400 +
      now.getUTCHours() * 3600 +
      now.getUTCMinutes() * 60 +
      now.getUTCSeconds()
    );
  }
  let fmt = formatters.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(tz, fmt);
  }
  let day = 0;
  let sec = 0;
  for (const p of fmt.formatToParts(now)) {
    if (p.type === "weekday") day = DAY_NAMES.indexOf(p.value);
    else if (p.type === "hour") sec += Number(p.value) * 3600;
    else if (p.type === "minute") sec += Number(p.value) * 60;
    else if (p.type === "second") sec += Number(p.value);
  }
  return day * 86400 + sec;
}

export function checkChangeWindows(windows: readonly TChangeWindow[], now: Date): TWindowCheck {
  if (windows.length === 0) return { open: true };
  let wait = Infinity;
  let problem: string | undefined;
  for (const w of windows) {
    const start = minutes(w.start);
    const end = minutes(w.end);
    if (start < 0 || end < 0 || start === 1440 || !Array.isArray(w.days)) {
      problem = `malformed change window ${w.start}–${w.end}`;
      continue;
    }
    let nowSec: number;
    try {
      nowSec = secondOfWeek(now, w.tz);
    } catch {
      problem = `unknown time zone ${w.tz}`;
      continue;
    }
    const length = (end > start ? end - start : end + 1440 - start) * 60;
    for (const d of w.days) {
      if (!Number.isInteger(d) || d < 0 || d > 6) continue;
      const open = d * 86400 + start * 60;
      // Seconds since this window last opened, on a weekly cycle.
      const since = (((nowSec - open) % WEEK_SECONDS) + WEEK_SECONDS) % WEEK_SECONDS;
      if (since < length) return { open: true };
      const until = WEEK_SECONDS - since;
      if (until < wait) wait = until;
    }
  }
  const nextOpenAt = wait === Infinity ? null : new Date(now.getTime() + wait * 1000);
  return { open: false, nextOpenAt, ...(problem ? { problem } : {}) };
}

export function describeWindows(windows: readonly TChangeWindow[]): string {
  return windows
    .map(
      (w) =>
        `${(w.days ?? []).map((d) => DAY_NAMES[d] ?? d).join(",")} ${w.start}–${w.end} ${w.tz ?? "UTC"}`,
    )
    .join("; ");
}
