import type { TKillSwitchRow } from "@/lib/guardrails/kill-switches";

/** A kill switch as the board and its controls receive it: times serialised. */
export type TSwitchRow = Omit<TKillSwitchRow, "engagedAt" | "resetAt"> & {
  engagedAt: string | null;
  resetAt: string | null;
};
