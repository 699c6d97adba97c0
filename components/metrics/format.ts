import type { TFigures } from "@/lib/metrics";

/** 1234567 → "1,234,567". */
export const count = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** 0.0123 → "1.2%"; null (nothing to divide by) → "—". */
export const percent = (r: number | null) => (r === null ? "—" : `${(r * 100).toFixed(1)}%`);

/** A duration in words: "45 s", "12 min", "3.5 h", "2.1 d". */
export function duration(ms: number | null) {
  if (ms === null) return "—";
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

/** A quantile read from the histogram is an upper bound: "≤ 5 min" (or "> 3 d"). */
export const atMost = (ms: number | null, over = false) =>
  over ? `> ${duration(3 * 86_400_000)}` : ms === null ? "—" : `≤ ${duration(ms)}`;

/** The change of a rate against the previous period, in percentage points. */
export function pointsChange(now: number | null, before: number | null) {
  if (now === null || before === null) return null;
  return (now - before) * 100;
}

export type TFigureKey = keyof Pick<TFigures, "reversalRate" | "exceptionRate" | "slaAdherence">;
