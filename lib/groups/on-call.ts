import { secondOfWeek } from "@/lib/policy/change-window";

/**
 * Who of an approver group's rotation is on call at a moment. The rotation is an ordered list
 * of members; `rotation[0]` is on call from `startsAt` until the first handoff after it, and
 * each weekly handoff (a weekday and HH:MM on the zone's wall clock) passes it to the next,
 * round the list. People no longer eligible (removed from the group, deactivated) are skipped
 * at the moment of asking, so a stale list never names someone who cannot decide.
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
