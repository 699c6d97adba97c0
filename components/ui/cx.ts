/** Joins class names, skipping the falsy ones: `cx("a", busy && "b", undefined)` → "a b". */
export function cx(...parts: (string | false | null | undefined | 0)[]): string {
  return parts.filter(Boolean).join(" ");
}

type TVariantMap = Record<string, Record<string, string>>;
export type TVariantProps<V extends TVariantMap> = { [K in keyof V]?: keyof V[K] };

/**
 * A small class-variance helper (the shape of `cva`, without the dependency): a base, one class
 * string per value of each variant, and the defaults. The classes of one variant never set the
 * same property as another's, so no merging is needed; a `className` is appended last.
 */
export function variants<V extends TVariantMap>(
  base: string,
  map: V,
  defaults: { [K in keyof V]: keyof V[K] },
) {
  return (props: TVariantProps<V> & { className?: string } = {}): string =>
    cx(
      base,
      ...Object.keys(map).map((k) => map[k][String(props[k] ?? defaults[k])]),
      props.className,
    );
}
