import { Slot } from "@radix-ui/react-slot";
import { cx, variants, type TVariantProps } from "./cx";

/**
 * The console's one button. Variants: `primary` (the action of a form or section), `secondary`
 * (outlined: cancel, reload, quiet openers), `danger` (filled red: the final destructive step),
 * `danger-outline` (opens a destructive form without reading as an alarm), `ghost`, `link`.
 */
const BUTTON = {
  base: "inline-flex items-center justify-center gap-1.5 whitespace-nowrap rounded-md font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-focus disabled:cursor-not-allowed disabled:opacity-60",
  variants: {
    variant: {
      primary: "bg-primary text-white hover:bg-primary-hover",
      secondary: "bg-white text-slate-800 ring-1 ring-inset ring-slate-300 hover:bg-slate-50",
      danger: "bg-danger text-white hover:bg-danger-hover",
      "danger-outline": "bg-white text-danger ring-1 ring-inset ring-red-300 hover:bg-red-50",
      ghost: "text-slate-700 hover:bg-slate-100 hover:text-fg",
      link: "text-link underline-offset-2 hover:underline",
    },
    size: {
      xs: "px-2.5 py-1 text-xs",
      sm: "px-3 py-1.5 text-xs",
      md: "px-3 py-1.5 text-sm",
      lg: "px-4 py-2 text-sm",
      // links and ghost buttons inline with text keep the text's box
      inline: "p-0 text-xs",
    },
  },
} as const;

export const buttonClass = variants(BUTTON.base, BUTTON.variants, {
  variant: "primary",
  size: "sm",
});
export type TButtonVariants = TVariantProps<typeof BUTTON.variants>;

export type TButtonProps = React.ComponentProps<"button"> &
  TButtonVariants & {
    /** a request is in flight: disabled, `aria-busy`, a spinner, and `busyLabel` if given */
    busy?: boolean;
    busyLabel?: React.ReactNode;
    /** render the single child (a Link) with the button's look instead of a <button> */
    asChild?: boolean;
  };

export function Button({
  variant,
  size,
  busy = false,
  busyLabel,
  asChild = false,
  className,
  disabled,
  type = "button",
  children,
  ...props
}: TButtonProps) {
  const classes = buttonClass({ variant, size, className });
  if (asChild) {
    return (
      <Slot className={classes} {...(props as React.HTMLAttributes<HTMLElement>)}>
        {children}
      </Slot>
    );
  }
  return (
    <button
      type={type}
      className={classes}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
      {...props}
    >
      {busy && <Spinner />}
      {busy && busyLabel !== undefined ? busyLabel : children}
    </button>
  );
}

/** A small spinning ring in the current text colour; hidden from assistive technology. */
export function Spinner({ className }: { className?: string }) {
  return (
    <svg
      aria-hidden
      viewBox="0 0 16 16"
      className={cx("h-3.5 w-3.5 shrink-0 animate-spin", className)}
      fill="none"
    >
      <circle cx="8" cy="8" r="6" stroke="currentColor" strokeOpacity="0.3" strokeWidth="2" />
      <path d="M14 8a6 6 0 0 0-6-6" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

/**
 * The × that closes a dialog or dismisses a toast; `label` is its accessible name. Give it to a
 * Radix `Close` with `asChild`. `onDark` for a dark surface (a toast).
 */
export function CloseButton({
  label,
  onDark = false,
  className,
  ...props
}: React.ComponentProps<"button"> & { label: string; onDark?: boolean }) {
  return (
    <button
      type="button"
      aria-label={label}
      className={cx(
        "rounded-md px-1.5 text-lg leading-none focus-visible:outline-2",
        onDark
          ? "text-white/90 hover:text-white focus-visible:outline-white"
          : "text-muted hover:bg-slate-100 hover:text-fg focus-visible:outline-focus",
        className,
      )}
      {...props}
    >
      <span aria-hidden>×</span>
    </button>
  );
}
