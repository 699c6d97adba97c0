import { cx } from "./cx";
import { ariaSort, type TSort } from "./sort";

/**
 * A table in a frame that scrolls sideways on its own: the table keeps at least `minWidth` so
 * its columns stay readable, and a narrow window scrolls the frame, never the page (nor clips
 * the last columns). The frame is a labelled, focusable region so keyboard users can scroll it.
 * `footer` sits under the table, outside the scrolling part. Cell padding comes from CSS
 * variables set here (`dense` tightens it), so cells need no padding classes of their own.
 */
export function TableFrame({
  label,
  minWidth,
  framed = true,
  dense = false,
  footer,
  className,
  tableClassName = "text-sm",
  children,
}: {
  /** names the region and the table (screen readers, tests) */
  label: string;
  /** the narrowest the table may get, a CSS length such as "48rem" */
  minWidth: string;
  /** the rounded white card around the table; off when the table already sits in a card */
  framed?: boolean;
  /** tighter cells, for a table inside a card or a panel */
  dense?: boolean;
  footer?: React.ReactNode;
  className?: string;
  tableClassName?: string;
  children: React.ReactNode;
}) {
  return (
    <div
      className={cx(
        "min-w-0",
        framed && "overflow-hidden rounded-xl border border-line bg-white",
        className,
      )}
    >
      <div
        role="region"
        aria-label={label}
        tabIndex={0}
        className="overflow-x-auto focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-focus"
      >
        <table
          aria-label={label}
          className={cx(
            "w-full",
            dense ? "[--cell-x:0.75rem] [--cell-y:0.5rem]" : "[--cell-x:1rem] [--cell-y:0.75rem]",
            tableClassName,
          )}
          style={{ minWidth }}
        >
          {children}
        </table>
      </div>
      {footer}
    </div>
  );
}

type TColumn = string | { label: React.ReactNode; key: string; align?: keyof typeof alignClass };

/**
 * The header row: small capitals on a light band. Plain headers as `columns` (a string, or a
 * label with a key and an alignment; `false` leaves a column out); `TableHead`s given as
 * children come first (a select-all checkbox).
 */
export function TableHeader({
  columns,
  className,
  children,
}: {
  columns?: (TColumn | false)[];
  className?: string;
  children?: React.ReactNode;
}) {
  return (
    <thead
      className={cx("bg-slate-50 text-left text-xs uppercase tracking-wide text-muted", className)}
    >
      <tr>
        {children}
        {columns?.map((c) =>
          c === false ? null : typeof c === "string" ? (
            <TableHead key={c}>{c}</TableHead>
          ) : (
            <TableHead key={c.key} align={c.align}>
              {c.label}
            </TableHead>
          ),
        )}
      </tr>
    </thead>
  );
}

const alignClass = { left: "", right: "text-right", center: "text-center" } as const;

type TAligned<T extends "th" | "td"> = React.ComponentProps<T> & {
  align?: keyof typeof alignClass;
};

export function TableHead({ align = "left", className, ...props }: TAligned<"th">) {
  const classes = cx("px-(--cell-x) py-2 font-medium", alignClass[align], className);
  return <th scope="col" className={classes} {...props} />;
}

/**
 * A header that sorts its column: the button inside the `th` takes the click and the keyboard,
 * the `th` carries `aria-sort`, and the arrow shows the direction (hidden from screen readers,
 * which read `aria-sort`).
 */
export function SortableTableHead<K extends string>({
  column,
  sort,
  onSort,
  align = "left",
  className,
  children,
}: {
  column: K;
  sort: TSort<K>;
  onSort: (column: K) => void;
  align?: keyof typeof alignClass;
  className?: string;
  children: React.ReactNode;
}) {
  const state = ariaSort(sort, column);
  return (
    <TableHead aria-sort={state} align={align} className={className}>
      <button
        type="button"
        onClick={() => onSort(column)}
        className={cx(
          "inline-flex items-center gap-1 uppercase tracking-wide hover:text-fg focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-focus",
          align === "right" && "flex-row-reverse",
        )}
      >
        {children}
        <span aria-hidden className="w-3 text-center">
          {state === "ascending" ? "↑" : state === "descending" ? "↓" : "↕"}
        </span>
      </button>
    </TableHead>
  );
}

export function TableBody({ className, ...props }: React.ComponentProps<"tbody">) {
  return <tbody className={cx("divide-y divide-slate-100", className)} {...props} />;
}

export function TableCell({ align = "left", className, ...props }: TAligned<"td">) {
  return (
    <td className={cx("px-(--cell-x) py-(--cell-y)", alignClass[align], className)} {...props} />
  );
}

/** The one row a table shows when it has nothing to list. */
export function TableEmpty({ colSpan, children }: { colSpan: number; children: React.ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-(--cell-x) py-6 text-center text-muted">
        {children}
      </td>
    </tr>
  );
}

/** The table parts under one name: `<Table.Frame>`, `<Table.Header>`, `<Table.Cell>`, … */
export const Table = {
  Frame: TableFrame,
  Header: TableHeader,
  Head: TableHead,
  SortableHead: SortableTableHead,
  Body: TableBody,
  Cell: TableCell,
  Empty: TableEmpty,
};
