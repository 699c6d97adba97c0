/**
 * What a value looks like once it crossed from a server component to a client component: the
 * shape JSON gives it. Dates and Prisma Decimals (anything with a `toJSON`) become what their
 * `toJSON` returns (ISO strings, decimal strings), bigints become decimal strings, functions and
 * `undefined` properties disappear.
 */
export type TSerialized<T> = T extends Date
  ? string
  : T extends bigint
    ? string
    : T extends { toJSON(): infer R }
      ? TSerialized<R>
      : T extends (...args: never[]) => unknown
        ? never
        : T extends readonly (infer U)[]
          ? TSerialized<U>[]
          : T extends object
            ? {
                [
                  K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K
                ]: TSerialized<T[K]>;
              }
            : T;

/**
 * Server → client props in one place, instead of `JSON.parse(JSON.stringify(x)) as T` on each
 * page: the same result JSON would give (so the first paint matches what the browser's own
 * fetches return), but typed from the input and without JSON's throw on a bigint. `undefined`
 * stays `undefined` (an absent optional prop) rather than throwing.
 */
export function toClientProps<T>(value: T): TSerialized<T> {
  return walk(value, false) as TSerialized<T>;
}

function walk(v: unknown, inArray: boolean): unknown {
  if (v === null) return null;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? v : null;
    case "bigint":
      return v.toString();
    case "undefined":
    case "function":
    case "symbol":
      // JSON writes these as null inside an array and leaves them out of an object
      return inArray ? null : undefined;
  }
  const o = v as { toJSON?: () => unknown };
  if (typeof o.toJSON === "function") return walk(o.toJSON(), inArray);
  if (Array.isArray(v)) return v.map((x) => walk(x, true));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as object)) {
    const w = walk(x, false);
    if (w !== undefined) out[k] = w;
  }
  return out;
}
