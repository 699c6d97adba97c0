/** Small presentational pieces shared by console pages. */

export function PageHeader({
  title,
  description,
  children,
}: {
  title: string;
  description?: string;
  children?: React.ReactNode;
}) {
  return (
    <div className="mb-6 flex items-end justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="mt-1 max-w-3xl text-sm text-slate-500">{description}</p>}
      </div>
      {children}
    </div>
  );
}

const TONES = {
  gray: "bg-slate-100 text-slate-700 ring-slate-200",
  green: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  amber: "bg-amber-50 text-amber-800 ring-amber-200",
  red: "bg-red-50 text-red-700 ring-red-200",
  blue: "bg-sky-50 text-sky-700 ring-sky-200",
  violet: "bg-violet-50 text-violet-700 ring-violet-200",
} as const;

export function Badge({
  tone = "gray",
  children,
  title,
}: {
  tone?: keyof typeof TONES;
  children: React.ReactNode;
  title?: string;
}) {
  return (
    <span
      title={title}
      className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[tone]}`}
    >
      {children}
    </span>
  );
}

export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center">
      <div className="font-medium">{title}</div>
      {children && <div className="mt-1 text-sm text-slate-500">{children}</div>}
    </div>
  );
}

/**
 * A table in a frame that scrolls sideways on its own: the table keeps at least `minWidth` so
 * its columns stay readable, and a narrow window scrolls the frame, never the page (nor clips
 * the last columns). The frame is a labelled, focusable region so keyboard users can scroll it.
 * `footer` sits under the table, outside the scrolling part.
 */
export function TableFrame({
  label,
  minWidth,
  framed = true,
  footer,
  className = "",
  tableClassName = "text-sm",
  children,
}: {
  /** names the region and the table (screen readers, tests) */
  label: string;
  /** the narrowest the table may get, a CSS length such as "48rem" */
  minWidth: string;
  /** the rounded white card around the table; off when the table already sits in a card */
  framed?: boolean;
  footer?: React.ReactNode;
  className?: string;
  tableClassName?: string;
  children: React.ReactNode;
}) {
  return (
    <div
      className={`min-w-0 ${framed ? "overflow-hidden rounded-xl border border-slate-200 bg-white" : ""} ${className}`}
    >
      <div
        role="region"
        aria-label={label}
        tabIndex={0}
        className="overflow-x-auto focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-500"
      >
        <table aria-label={label} className={`w-full ${tableClassName}`} style={{ minWidth }}>
          {children}
        </table>
      </div>
      {footer}
    </div>
  );
}
