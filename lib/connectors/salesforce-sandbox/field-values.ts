// Value formats on the wire: dates as `YYYY-MM-DD`, datetimes as
// `2026-11-23T10:00:00.000+0000` (always UTC, as Salesforce's REST API writes them),
// numbers as JSON numbers. The store keeps values in exactly this form.
import { SalesforceApiError } from "./errors";
import type { FieldSchema } from "./schema-builder";

export type FieldValue = string | number | boolean | null;
export type StoredRecord = Record<string, FieldValue>;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function formatDateTime(date: Date | number): string {
  const d = typeof date === "number" ? new Date(date) : date;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `.${pad(d.getUTCMilliseconds(), 3)}+0000`
  );
}

export function formatDate(date: Date | number): string {
  const d = typeof date === "number" ? new Date(date) : date;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:?\d{2})$/;

/** Milliseconds at UTC midnight, or undefined for anything that is not a real calendar date. */
export function parseDate(value: string): number | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return undefined;
  }
  return ms;
}

export function parseDateTime(value: string): number | undefined {
  const m = DATETIME_RE.exec(value);
  if (!m) return undefined;
  const day = parseDate(`${m[1]}-${m[2]}-${m[3]}`);
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (day === undefined || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Number((m[7] ?? "0").padEnd(3, "0"));
  let offsetMinutes = 0;
  if (m[8] !== "Z") {
    const digits = m[8].replace(":", "");
    const sign = digits.startsWith("-") ? -1 : 1;
    offsetMinutes = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  return day + ((h * 60 + mi - offsetMinutes) * 60 + s) * 1000 + ms;
}

export function isNumericType(type: FieldSchema["type"]): boolean {
  return type === "double" || type === "int" || type === "currency" || type === "percent";
}

export function isTextType(type: FieldSchema["type"]): boolean {
  return ["string", "textarea", "email", "phone", "url", "picklist"].includes(type);
}

function jsonError(f: FieldSchema, targetType: string, raw: unknown): SalesforceApiError {
  const token =
    typeof raw === "string"
      ? "VALUE_STRING"
      : typeof raw === "number"
        ? "VALUE_NUMBER"
        : typeof raw === "boolean"
          ? "VALUE_TRUE"
          : Array.isArray(raw)
            ? "START_ARRAY"
            : "START_OBJECT";
  const shown = typeof raw === "object" ? (Array.isArray(raw) ? "[" : "{") : String(raw);
  return new SalesforceApiError(
    "JSON_PARSER_ERROR",
    `Cannot deserialize instance of ${targetType} from ${token} value ${shown} or request may be missing a required field`,
    { fields: [f.name] },
  );
}

function coerceNumber(f: FieldSchema, raw: unknown): number {
  const n =
    typeof raw === "number"
      ? raw
      : typeof raw === "string" && raw.trim() !== ""
        ? Number(raw)
        : NaN;
  const target = f.type === "int" ? "int" : "double";
  if (!Number.isFinite(n)) throw jsonError(f, target, raw);
  if (f.type === "int" && !Number.isInteger(n)) throw jsonError(f, target, raw);
  const integerDigits = Math.max(1, f.precision - f.scale);
  if (f.precision > 0 && Math.abs(n) >= 10 ** integerDigits) {
    throw new SalesforceApiError(
      "NUMBER_OUTSIDE_VALID_RANGE",
      `${f.label}: value outside of valid range on numeric field: ${n}`,
      { fields: [f.name] },
    );
  }
  // Salesforce rounds to the field's scale on save (half up).
  const factor = 10 ** f.scale;
  return Math.round(n * factor) / factor;
}

/**
 * Converts a JSON value from a create/update body to the stored form, raising the error
 * Salesforce's deserializer would. Empty strings become null, as they do in Salesforce.
 */
export function coerceFieldValue(f: FieldSchema, raw: unknown): FieldValue {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === "object") throw jsonError(f, f.type === "boolean" ? "boolean" : "string", raw);
  switch (f.type) {
    case "boolean": {
      if (typeof raw === "boolean") return raw;
      if (typeof raw === "string" && /^(true|false)$/i.test(raw))
        return raw.toLowerCase() === "true";
      throw jsonError(f, "boolean", raw);
    }
    case "double":
    case "int":
    case "currency":
    case "percent":
      return coerceNumber(f, raw);
    case "date": {
      if (typeof raw !== "string") throw jsonError(f, "date", raw);
      const ms = parseDate(raw) ?? parseDateTime(raw);
      if (ms === undefined) throw jsonError(f, "date", raw);
      return formatDate(ms);
    }
    case "datetime": {
      if (typeof raw !== "string") throw jsonError(f, "datetime", raw);
      const ms = parseDateTime(raw);
      if (ms === undefined) throw jsonError(f, "datetime", raw);
      return formatDateTime(ms);
    }
    default: {
      const text = String(raw);
      if (text === "") return null;
      if (f.length > 0 && text.length > f.length) {
        throw new SalesforceApiError(
          "STRING_TOO_LONG",
          `${f.label}: data value too large: ${text.slice(0, 80)} (max length=${f.length})`,
          { fields: [f.name] },
        );
      }
      return text;
    }
  }
}

/** Comparable form for filtering and sorting: ms for temporal values, lower case for text. */
export function comparable(
  type: FieldSchema["type"],
  value: FieldValue,
): string | number | boolean | null {
  if (value === null) return null;
  if (type === "date" && typeof value === "string") return parseDate(value) ?? null;
  if (type === "datetime" && typeof value === "string") return parseDateTime(value) ?? null;
  if (typeof value === "string") return value.toLowerCase();
  return value;
}
