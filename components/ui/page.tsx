import { cx } from "./cx";

/** A page's h1, its one-line purpose, and the page's own actions on the right. */
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
        {description && <p className="mt-1 max-w-3xl text-sm text-muted">{description}</p>}
      </div>
      {children}
    </div>
  );
}

/** What a list shows when it has nothing in it: what is missing and how it gets there. */
export function EmptyState({
  title,
  className,
  children,
}: {
  title: string;
  className?: string;
  children?: React.ReactNode;
}) {
  return (
    <div
      className={cx(
        "rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center",
        className,
      )}
    >
      <div className="font-medium">{title}</div>
      {children && <div className="mt-1 text-sm text-muted">{children}</div>}
    </div>
  );
}

/** The white, rounded, bordered panel every console section sits in. */
export function Card({
  className,
  as: Tag = "section",
  ...props
}: React.ComponentProps<"section"> & { as?: "section" | "div" }) {
  return (
    <Tag
      className={cx("rounded-xl border border-line bg-white p-5", className)}
      {...(props as React.ComponentProps<"div">)}
    />
  );
}
