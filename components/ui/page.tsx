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
  size = "md",
  className,
  children,
}: {
  /** leave out for a one-line note inside a card */
  title?: string;
  size?: "sm" | "md";
  className?: string;
  children?: React.ReactNode;
}) {
  return (
    <div
      className={cx(
        "rounded-xl border border-dashed border-slate-300 bg-white text-center",
        size === "sm" ? "p-6" : "p-10",
        className,
      )}
    >
      {title && <div className="font-medium">{title}</div>}
      {children && <div className={cx("text-sm text-muted", title && "mt-1")}>{children}</div>}
    </div>
  );
}

/** The white, rounded, bordered panel every console section sits in. */
export function Card({
  className,
  as: Tag = "section",
  padding = "md",
  ...props
}: React.ComponentProps<"section"> & { as?: "section" | "div"; padding?: "sm" | "md" | "lg" }) {
  return (
    <Tag
      className={cx(
        "rounded-xl border border-line bg-white",
        { sm: "p-4", md: "p-5", lg: "p-6" }[padding],
        className,
      )}
      {...(props as React.ComponentProps<"div">)}
    />
  );
}
