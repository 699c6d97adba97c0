// SOQL relative date literals as half-open UTC ranges [start, end). The sandbox user's
// time zone is UTC and its fiscal year is the calendar year (Salesforce's defaults for
// a new org), so FISCAL_* literals equal their calendar counterparts.
import { SoqlError } from "./errors";

type Unit = "DAY" | "WEEK" | "MONTH" | "QUARTER" | "YEAR";
export type DateRange = readonly [start: number, end: number];

const DAY_MS = 86_400_000;

/** Start of the unit containing `now`, shifted by `k` whole units. */
function unitStart(unit: Unit, now: Date, k: number): number {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const today = Date.UTC(y, m, now.getUTCDate());
  switch (unit) {
    case "DAY":
      return today + k * DAY_MS;
    case "WEEK":
      // Weeks start on Sunday in the default (en_US) locale.
      return today - now.getUTCDay() * DAY_MS + k * 7 * DAY_MS;
    case "MONTH":
      return Date.UTC(y, m + k, 1);
    case "QUARTER":
      return Date.UTC(y, m - (m % 3) + 3 * k, 1);
    case "YEAR":
      return Date.UTC(y + k, 0, 1);
  }
}

const span = (unit: Unit, now: Date, from: number, to: number): DateRange => [
  unitStart(unit, now, from),
  unitStart(unit, now, to),
];

function unitOf(word: string): Unit | undefined {
  const w = word.replace(/^FISCAL_/, "").replace(/S$/, "");
  return (["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"] as const).find((u) => u === w);
}

/** Range for a literal such as `TODAY`, `THIS_MONTH`, `LAST_N_DAYS:30` (n passed separately). */
export function dateLiteralRange(literal: string, n: number | undefined, now: Date): DateRange {
  const lit = literal.toUpperCase().split(":")[0];
  const fixed: Record<string, DateRange> = {
    YESTERDAY: span("DAY", now, -1, 0),
    TODAY: span("DAY", now, 0, 1),
    TOMORROW: span("DAY", now, 1, 2),
    // "Last 90 days" includes today; "next 90 days" starts tomorrow.
    LAST_90_DAYS: span("DAY", now, -90, 1),
    NEXT_90_DAYS: span("DAY", now, 1, 91),
  };
  if (fixed[lit]) return fixed[lit];

  let m = /^(THIS|LAST|NEXT)_((?:FISCAL_)?[A-Z]+)$/.exec(lit);
  if (m && n === undefined) {
    const unit = unitOf(m[2]);
    if (unit) {
      const k = m[1] === "THIS" ? 0 : m[1] === "LAST" ? -1 : 1;
      return span(unit, now, k, k + 1);
    }
  }
  if (n !== undefined && Number.isInteger(n) && n >= 0) {
    m = /^(LAST|NEXT)_N_((?:FISCAL_)?[A-Z]+)$/.exec(lit);
    const unit = m && unitOf(m[2]);
    if (m && unit) {
      if (m[1] === "NEXT") return span(unit, now, 1, 1 + n);
      // LAST_N_DAYS includes today; the longer units cover whole units before the current one.
      return unit === "DAY" ? span(unit, now, -n, 1) : span(unit, now, -n, 0);
    }
    m = /^N_((?:FISCAL_)?[A-Z]+)_AGO$/.exec(lit);
    const agoUnit = m && unitOf(m[1]);
    if (agoUnit) return span(agoUnit, now, -n, -n + 1);
  }
  throw new SoqlError("MALFORMED_QUERY", `unexpected token: '${literal}'`);
}
