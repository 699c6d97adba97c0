import { secondOfWeek } from "@/lib/policy/change-window";

/**
 * Who of an approver group's rotation is on call at a moment. The rotation is an ordered list
 * of members; `rotation[0]` is on call from `startsAt` until the first handoff after it, and
 * each weekly handoff (a weekday and HH:MM on the zone's wall clock) passes it to the next,
 * round the list. People no longer eligible (removed from the group, deactivated) are skipped
 * at the moment of asking, so a stale list never names someone who cannot decide.
 *
 * A change of the list or the schedule moves the anchor (`keepOnCall`), never whose turn it is.
 *
 * Handoffs are counted in whole weeks between the last handoff before `startsAt` and the last
 * one before `now` (rounded, so a daylight-saving change in between does not shift the count).
 */
export type TRotation = {
  rotation: readonly string[];
  handoffWeekday: number;
  handoffTime: string;
  handoffZone: string;
  startsAt: Date;
};

const WEEK_MS = 7 * 86_400_000;

function handoffSecond(r: TRotation): number {
  const [h, m] = r.handoffTime.split(":").map(Number);
  return r.handoffWeekday * 86_400 + h * 3600 + m * 60;
}

/** The last handoff at or before `at` (seconds resolution). */
export function lastHandoff(r: TRotation, at: Date): Date {
  const now = secondOfWeek(at, r.handoffZone);
  const since = (((now - handoffSecond(r)) % 604_800) + 604_800) % 604_800;
  return new Date(Math.floor(at.getTime() / 1000) * 1000 - since * 1000);
}

export type TOnCall = {
  /** the member on call now, null when nobody in the list is eligible */
  current: string | null;
  /** who takes over at `handoffAt` */
  next: string | null;
  handoffAt: Date;
};

export function onCallAt(
  r: TRotation,
  now: Date,
  eligible: (userId: string) => boolean = () => true,
): TOnCall {
  const n = r.rotation.length;
  const nextHandoff = new Date(lastHandoff(r, now).getTime() + WEEK_MS);
  if (n === 0) return { current: null, next: null, handoffAt: nextHandoff };
  const weeks =
    now < r.startsAt
      ? 0
      : Math.max(
          0,
          Math.round(
            (lastHandoff(r, now).getTime() - lastHandoff(r, r.startsAt).getTime()) / WEEK_MS,
          ),
        );
  const pick = (from: number) => {
    for (let i = 0; i < n; i++) {
      const id = r.rotation[(from + i) % n];
      if (eligible(id)) return id;
    }
    return null;
  };
  return { current: pick(weeks % n), next: pick((weeks + 1) % n), handoffAt: nextHandoff };
}

export type TSchedule = Pick<TRotation, "handoffWeekday" | "handoffTime" | "handoffZone">;

/**
 * The anchor (`startsAt`) for a rotation list so that `rotation[index]` is on call at `now` until
 * the next handoff: the list is counted as if its first person had started `index` weeks ago.
 * Nobody's turn moves when the list or the schedule changes, only who is at which place. The
 * anchor sits mid-week between two handoffs of `schedule` (never within a daylight-saving
 * hour of one), so counting handoffs from it lands on the same turn whatever the clocks did.
 */
export function anchorAt(schedule: TSchedule, index: number, now: Date): Date {
  const last = lastHandoff({ ...schedule, rotation: [], startsAt: now }, now).getTime();
  return new Date(last + WEEK_MS / 2 - index * WEEK_MS);
}

/**
 * A rotation changes (a person taken out, the order or the handoff edited): the person on call
 * now stays on call until the next handoff. If they are no longer in the list, the next one
 * after them in the old order who is in the new list takes over; with no old rotation, the new
 * list starts at its first person. Returns the new anchor.
 */
export function keepOnCall(
  old: TRotation | null,
  next: readonly string[],
  now: Date,
  eligible: (userId: string) => boolean = () => true,
  schedule: TSchedule | null = old,
): Date {
  if (!old || !schedule || !next.length) return now;
  const anchorFor = (index: number, at: Date) => anchorAt(schedule, index, at);
  const current = onCallAt(old, now, eligible).current;
  if (current === null) return now;
  if (next.includes(current)) return anchorFor(next.indexOf(current), now);
  const from = old.rotation.indexOf(current);
  for (let i = 1; i <= old.rotation.length; i++) {
    const id = old.rotation[(from + i) % old.rotation.length];
    if (next.includes(id) && eligible(id)) return anchorFor(next.indexOf(id), now);
  }
  return now;
}
