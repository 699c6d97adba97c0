/** JSON with object keys sorted at every depth, so the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  // plain JSON values (what JSON.parse returns: every audit column read back, most payloads)
  // are written directly, without a sorted copy; anything else takes the general path. Both
  // give the same text (canonical-json.test.ts compares them)
  const fast = plainJson(value);
  return fast !== undefined ? fast : JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * `JSON.stringify(sortKeys(value))` for a plain JSON value — null, a string, a number, a
 * boolean, an array of such, an object whose prototype is Object's (or null) of such — or
 * undefined if the value holds anything else (a Date, a bigint, undefined, a class instance…).
 * Objects with a key starting with a digit fall back too: JSON.stringify puts array-index keys
 * ("0", "10") first whatever the order they were set in, which the general path reproduces.
 */
function plainJson(value: unknown): string | undefined {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      return undefined;
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return undefined;
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      const s = plainJson(value[i]);
      if (s === undefined) return undefined;
      out += i ? "," + s : s;
    }
    return out + "]";
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = Object.keys(value).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const c = k.charCodeAt(0);
    if ((c >= 48 && c <= 57) || k === "__proto__") return undefined;
    const s = plainJson((value as Record<string, unknown>)[k]);
    if (s === undefined) return undefined;
    out += (i ? "," : "") + JSON.stringify(k) + ":" + s;
  }
  return out + "}";
}
