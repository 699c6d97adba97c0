import { cx } from "./cx";

const TONES = {
  info: "border-sky-200 bg-sky-50 text-sky-900",
  success: "border-emerald-200 bg-emerald-50 text-emerald-900",
  warning: "border-amber-300 bg-amber-50 text-amber-900",
  error: "border-red-300 bg-red-50 text-red-800",
} as const;

export type TAlertTone = keyof typeof TONES;

/**
 * Only an error interrupts (`role="alert"`); the other tones are polite (`role="status"`), so a
 * success message does not cut into what a screen reader is saying.
 */
export const alertRole = (tone: TAlertTone) => (tone === "error" ? "alert" : "status");

/** The alert's look without its live role, for an error that is part of a record's state. */
export function alertClass(tone: TAlertTone, size: "sm" | "md" = "md") {
  return cx(
    "rounded-md border",
    size === "sm" ? "px-2.5 py-1.5 text-xs" : "px-4 py-3 text-sm",
    TONES[tone],
  );
}

export function Alert({
  tone = "info",
  title,
  size = "md",
  className,
  children,
  ...props
}: Omit<React.ComponentProps<"div">, "title" | "role"> & {
  tone?: TAlertTone;
  title?: React.ReactNode;
  /** `sm` for a message inside a form or a card */
  size?: "sm" | "md";
}) {
  return (
    <div role={alertRole(tone)} className={cx(alertClass(tone, size), className)} {...props}>
      {title && <strong className="font-semibold">{title} </strong>}
      {children}
    </div>
  );
}
