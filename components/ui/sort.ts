/** Which column a table is sorted by, and which way; `null` is the order the data came in. */
export type TSort<K extends string = string> = { key: K; dir: "asc" | "desc" } | null;

/**
 * A click on a sortable header: a new column sorts ascending, the same column flips to
 * descending, and a third click goes back to the original order.
 */
export function nextSort<K extends string>(current: TSort<K>, key: K): TSort<K> {
  if (!current || current.key !== key) return { key, dir: "asc" };
  return current.dir === "asc" ? { key, dir: "desc" } : null;
}

/** The header's `aria-sort`: only the sorted column says a direction. */
export function ariaSort<K extends string>(
  current: TSort<K>,
  key: K,
): "ascending" | "descending" | "none" {
  if (!current || current.key !== key) return "none";
  return current.dir === "asc" ? "ascending" : "descending";
}

type TSortValue = string | number | Date | null | undefined;

/**
 * A sorted copy (the input is left alone). Empty values sort last either way, so flipping the
 * direction never buries the filled rows under blanks; ties keep their original order.
 */
export function sortRows<T, K extends string>(
  rows: readonly T[],
  sort: TSort<K>,
  value: (row: T, key: K) => TSortValue,
): T[] {
  if (!sort) return [...rows];
  const sign = sort.dir === "asc" ? 1 : -1;
  const key = (v: TSortValue) => (v instanceof Date ? v.getTime() : v);
  return rows
    .map((row, i) => ({ row, i, v: key(value(row, sort.key)) }))
    .sort((a, b) => {
      const aEmpty = a.v === null || a.v === undefined || a.v === "";
      const bEmpty = b.v === null || b.v === undefined || b.v === "";
      if (aEmpty || bEmpty) return aEmpty === bEmpty ? a.i - b.i : aEmpty ? 1 : -1;
      const c =
        typeof a.v === "number" && typeof b.v === "number"
          ? a.v - b.v
          : String(a.v).localeCompare(String(b.v), "en", { numeric: true });
      return c === 0 ? a.i - b.i : c * sign;
    })
    .map((x) => x.row);
}
