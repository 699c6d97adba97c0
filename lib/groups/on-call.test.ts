import { describe, expect, it } from "vitest";
import { keepOnCall, lastHandoff, onCallAt, type TRotation } from "./on-call";

// Monday 09:00 in New York; 2026-11-30 is a Monday (EST, UTC-5)
const R: TRotation = {
  rotation: ["ana", "ben", "cy"],
  handoffWeekday: 1,
  handoffTime: "09:00",
  handoffZone: "America/New_York",
  startsAt: new Date("2026-11-25T12:00:00Z"), // a Wednesday
};
const at = (iso: string) => new Date(iso);

describe("on-call rotation", () => {
  it.each([
    ["before the first handoff", "2026-11-30T13:59:00Z", "ana", "ben"],
    ["at the first handoff (09:00 EST = 14:00Z)", "2026-11-30T14:00:00Z", "ben", "cy"],
    ["a week later", "2026-12-07T14:00:00Z", "cy", "ana"],
    ["round the list", "2026-12-14T15:00:00Z", "ana", "ben"],
    // across the spring DST change (2027-03-14): 09:00 EDT is 13:00Z
    ["after daylight saving starts", "2027-03-15T13:00:00Z", "ben", "cy"],
    ["before the start", "2026-11-01T00:00:00Z", "ana", "ben"],
  ])("%s", (_, now, current, next) => {
    expect(onCallAt(R, at(now))).toMatchObject({ current, next });
  });

  it("names the next handoff on the zone's wall clock", () => {
    expect(onCallAt(R, at("2026-12-01T00:00:00Z")).handoffAt.toISOString()).toBe(
      "2026-12-07T14:00:00.000Z",
    );
    expect(lastHandoff(R, at("2026-11-30T14:00:00Z")).toISOString()).toBe(
      "2026-11-30T14:00:00.000Z",
    );
  });

  it("skips people who may no longer decide, and names nobody when none may", () => {
    const eligible = (id: string) => id !== "ben";
    expect(onCallAt(R, at("2026-11-30T14:00:00Z"), eligible)).toMatchObject({
      current: "cy",
      next: "cy",
    });
    expect(onCallAt(R, at("2026-11-30T14:00:00Z"), () => false)).toMatchObject({
      current: null,
      next: null,
    });
    expect(onCallAt({ ...R, rotation: [] }, at("2026-11-30T14:00:00Z")).current).toBeNull();
  });

  describe("a change keeps whose turn it is", () => {
    // 2026-12-08 (Tuesday): two handoffs since the start, so cy is on call
    const now = at("2026-12-08T12:00:00Z");
    const after = (rotation: string[], change: Partial<TRotation> = {}) => {
      const next = { ...R, ...change, rotation };
      return { ...next, startsAt: keepOnCall(R, rotation, now) };
    };
    it.each([
      ["someone else taken out", ["ben", "cy"], "cy", "ben"],
      ["the order changed", ["cy", "ana", "ben"], "cy", "ana"],
      ["the same list saved again", ["ana", "ben", "cy"], "cy", "ana"],
      ["someone added", ["ana", "ben", "dee", "cy"], "cy", "ana"],
      ["the person on call taken out: the next one takes over", ["ana", "ben"], "ana", "ben"],
    ])("%s", (_, rotation, current, next) => {
      expect(onCallAt(R, now).current).toBe("cy");
      const r = after(rotation);
      expect(onCallAt(r, now)).toMatchObject({ current, next });
      // and the turns go on from there at the next handoff (Monday 2026-12-14 14:00Z)
      expect(onCallAt(r, at("2026-12-14T14:00:00Z")).current).toBe(next);
    });

    it("a new handoff time keeps the person on call until the new handoff", () => {
      const changed = { ...R, handoffWeekday: 3, handoffTime: "18:00" };
      const r = { ...changed, startsAt: keepOnCall(R, R.rotation, now, undefined, changed) };
      expect(onCallAt(r, now).current).toBe("cy");
      // Wednesday 18:00 New York (23:00Z): ana's turn
      expect(onCallAt(r, at("2026-12-09T22:59:00Z")).current).toBe("cy");
      expect(onCallAt(r, at("2026-12-09T23:00:00Z")).current).toBe("ana");
    });

    it("the on-call person who may no longer decide is passed over to the next who may", () => {
      const eligible = (id: string) => id !== "ana";
      expect(
        onCallAt({ ...R, startsAt: keepOnCall(R, ["ana", "ben"], now, eligible) }, now, eligible)
          .current,
      ).toBe("ben");
      expect(keepOnCall(null, ["ana", "ben"], now)).toEqual(now);
    });
  });

  it("a save in the hour after a handoff across daylight saving keeps the person on call", () => {
    // anchored a week before the spring change; 2027-03-15 09:00 EDT is 13:00Z
    const r: TRotation = { ...R, startsAt: at("2027-03-08T15:00:00Z") };
    for (const now of [at("2027-03-15T13:30:00Z"), at("2027-03-15T13:00:00Z")]) {
      const before = onCallAt(r, now).current;
      const saved = { ...r, startsAt: keepOnCall(r, r.rotation, now) };
      expect(onCallAt(saved, now).current).toBe(before);
    }
    // and before a handoff after the autumn change (2026-11-01): 09:00 EST is 14:00Z
    const autumn: TRotation = { ...R, startsAt: at("2026-10-26T12:00:00Z") };
    const now = at("2026-11-02T13:30:00Z");
    const before = onCallAt(autumn, now).current;
    const saved = { ...autumn, startsAt: keepOnCall(autumn, ["cy", "ben", "ana"], now) };
    expect(onCallAt(saved, now).current).toBe(before);
    expect(onCallAt(saved, at("2026-11-02T14:00:00Z")).current).not.toBe(before);
  });
});
