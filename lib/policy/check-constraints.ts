/**
 * Field-level write constraints of a matrix rule, checked on the fields the request changes
 * (a constraint on a field it leaves alone does not apply). min/max are inclusive.
 * maxRelativeChange compares with the current value; with no numeric current value (a create,
 * or an empty field) there is nothing to be relative to and it is skipped, and from a current
 * value of 0 any change is unbounded, so it fails.
 */
import { formatValue } from "./condition";
import type { TFieldConstraint } from "./types";

export type TConstraintViolation = { rule: string; detail: string };

// Floating-point slack so that exactly +20% passes a 0.2 limit.
const EPSILON = 1e-9;

function toNumber(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function percent(x: number): string {
  return `${Math.round(x * 100_000) / 1000}%`;
}

export function checkConstraints(
  constraints: readonly TFieldConstraint[],
  changes: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>> | null,
): TConstraintViolation | null {
  for (const c of constraints) {
    if (!Object.hasOwn(changes, c.field)) continue;
    const v = changes[c.field];
    const f = c.field;
    if (c.allowedValues) {
      if (typeof v !== "string" || !c.allowedValues.includes(v)) {
        return {
          rule: "constraint/allowed-values",
          detail: `${f} ${formatValue(v)} is not an allowed value (allowed: ${c.allowedValues.join(", ")})`,
        };
      }
    }
    if (c.min === undefined && c.max === undefined && c.maxRelativeChange === undefined) continue;
    const n = toNumber(v);
    if (n === null) {
      return { rule: "constraint/number", detail: `${f} must be a number, got ${formatValue(v)}` };
    }
    if (c.min !== undefined && n < c.min) {
      return { rule: "constraint/min", detail: `${f} ${n} is below the minimum of ${c.min}` };
    }
    if (c.max !== undefined && n > c.max) {
      return { rule: "constraint/max", detail: `${f} ${n} is above the maximum of ${c.max}` };
    }
    if (c.maxRelativeChange !== undefined) {
      const before = toNumber(current?.[f]);
      if (before === null || before === n) continue;
      const rel = before === 0 ? Infinity : (n - before) / Math.abs(before);
      if (Math.abs(rel) > c.maxRelativeChange + EPSILON) {
        const change = rel === Infinity ? "from 0" : `${rel > 0 ? "+" : ""}${percent(rel)}`;
        return {
          rule: "constraint/max-relative-change",
          detail: `${f} change from ${before} to ${n} is ${change}, beyond the ±${percent(c.maxRelativeChange)} limit`,
        };
      }
    }
  }
  return null;
}
