import { describe, expect, it } from "vitest";
import { weekGrid, widensWindows, wallClock } from "./window-calendar";
import { ZChangeWindow, nextCanaryStep } from "./workflow-schema";

// Wednesday 2026-12-02 10:15 UTC
const NOW = new Date("2026-12-02T10:15:00Z");
const WEEKDAYS = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", tz: "UTC" };

describe("weekGrid", () => {
  it("shows weekday office hours in UTC, Monday first, with now on Wednesday", () => {
    const g = weekGrid([WEEKDAYS], "UTC", NOW);
    expect(g.days.map((d) => d.label)).toEqual(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
    expect(g.days[0].ranges).toEqual(["09:00–17:00"]);
    expect(g.days[4].ranges).toEqual(["09:00–17:00"]);
    expect(g.days[5].ranges).toEqual([]);
    expect(g.days[6].ranges).toEqual([]);
    expect(g.now).toEqual({ dayIndex: 2, minute: 615 });
    expect(g.days[2].open.filter(Boolean)).toHaveLength(16);
  });

  it("draws a window of another zone at its hours on the chosen zone's clock", () => {
    // 09:00–17:00 in New York is 14:00–22:00 UTC in December
    const ny = { ...WEEKDAYS, tz: "America/New_York" };
    expect(weekGrid([ny], "UTC", NOW).days[0].ranges).toEqual(["14:00–22:00"]);
    expect(weekGrid([ny], "America/New_York", NOW).days[0].ranges).toEqual(["09:00–17:00"]);
  });

  it("is open everywhere without windows", () => {
    const g = weekGrid([], "Europe/Paris", NOW);
    expect(g.days.every((d) => d.ranges.join() === "00:00–24:00")).toBe(true);
    expect(wallClock(NOW, "Europe/Paris")).toEqual({ day: 3, minute: 675 });
  });
});

describe("widensWindows", () => {
  const cases: [string, object[], object[], boolean][] = [
    ["same windows", [WEEKDAYS], [WEEKDAYS], false],
    ["narrower hours", [WEEKDAYS], [{ ...WEEKDAYS, end: "16:00" }], false],
    ["a later end", [WEEKDAYS], [{ ...WEEKDAYS, end: "17:30" }], true],
    ["an extra day", [WEEKDAYS], [{ ...WEEKDAYS, days: [1, 2, 3, 4, 5, 6] }], true],
    ["no windows any more (any time)", [WEEKDAYS], [], true],
    ["windows where there were none", [], [WEEKDAYS], false],
    ["same hours, later zone", [WEEKDAYS], [{ ...WEEKDAYS, tz: "America/New_York" }], true],
  ];
  it.each(cases)("%s", (_, before, after, widens) => {
    expect(widensWindows(before as never, after as never, NOW)).toBe(widens);
  });
});

describe("ZChangeWindow", () => {
  const bad: [string, object, RegExp][] = [
    ["an unknown zone", { ...WEEKDAYS, tz: "Mars/Olympus" }, /not a time zone/],
    ["end before start", { ...WEEKDAYS, start: "17:00", end: "09:00" }, /must be after start/],
    ["end equal to start", { ...WEEKDAYS, end: "09:00" }, /must be after start/],
    ["no days", { ...WEEKDAYS, days: [] }, /at least one day/],
    ["a bad time", { ...WEEKDAYS, start: "9am" }, /HH:MM/],
    ["day 7", { ...WEEKDAYS, days: [7] }, /0 \(Sunday\) to 6/],
  ];
  it.each(bad)("refuses %s", (_, w, message) => {
    const r = ZChangeWindow.safeParse(w);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(message);
  });
  it("accepts a window to midnight and sorts its days", () => {
    const r = ZChangeWindow.parse({
      days: [5, 1, 1],
      start: "18:00",
      end: "24:00",
      tz: "Asia/Tokyo",
    });
    expect(r.days).toEqual([1, 5]);
  });
});

describe("nextCanaryStep", () => {
  it.each([
    [5, 25],
    [25, 100],
    [100, null],
    [10, 25],
  ])("%i → %s", (from, to) => expect(nextCanaryStep(from)).toBe(to));
});
