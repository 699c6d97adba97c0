import { useId } from "react";
import { Slot } from "@radix-ui/react-slot";
import { cx } from "./cx";

/**
 * The ids a field wires together: the control's id for the label's `htmlFor`, and the hint and
 * error ids the control names in `aria-describedby` (the error first: it is what to read now).
 * Only what is shown is referenced; a dangling id would be read as nothing.
 */
export function fieldIds(base: string, shown: { hint: boolean; error: boolean }) {
  const control = `${base}-control`;
  const hint = `${base}-hint`;
  const error = `${base}-error`;
  const describedBy = [shown.error && error, shown.hint && hint].filter(Boolean).join(" ");
  return { control, hint, error, describedBy: describedBy || undefined };
}

/**
 * A label, the control (the one child: `Input`, `Select`, `Textarea`), a hint and an error. The
 * control gets its `id`, `aria-describedby` and `aria-invalid` from here: give a fixed id to the
 * Field, not to the control (the child's own props win the merge and would cut the label off).
 */
export function Field({
  label,
  hint,
  error,
  id,
  className,
  children,
}: {
  label: React.ReactNode;
  hint?: React.ReactNode;
  /** a message shown under the control; the control is then `aria-invalid` */
  error?: React.ReactNode;
  /** a fixed base id; by default one from `useId` */
  id?: string;
  className?: string;
  children: React.ReactElement;
}) {
  const generated = useId();
  const ids = fieldIds(id ?? generated, { hint: !!hint, error: !!error });
  return (
    <div className={cx("space-y-1", className)}>
      <label htmlFor={ids.control} className="block text-xs font-medium text-slate-700">
        {label}
      </label>
      <Slot
        id={ids.control}
        aria-describedby={ids.describedBy}
        aria-invalid={error ? true : undefined}
      >
        {children}
      </Slot>
      {hint && (
        <p id={ids.hint} className="text-xs text-muted">
          {hint}
        </p>
      )}
      {error && (
        <p id={ids.error} role="alert" className="text-xs text-danger">
          {error}
        </p>
      )}
    </div>
  );
}

/** The look of every text box and select: a 3:1 edge, a focus ring, red when invalid. */
export const controlClass =
  "block w-full rounded-md border border-control bg-white px-2.5 py-1.5 text-sm text-fg placeholder:text-slate-500 focus:border-primary focus:outline-none focus:ring-1 focus:ring-primary aria-[invalid=true]:border-danger disabled:bg-slate-50";

export function Input({ className, ...props }: React.ComponentProps<"input">) {
  return <input className={cx(controlClass, className)} {...props} />;
}

export function Select({ className, ...props }: React.ComponentProps<"select">) {
  return <select className={cx(controlClass, className)} {...props} />;
}

export function Textarea({ className, ...props }: React.ComponentProps<"textarea">) {
  return <textarea className={cx(controlClass, className)} {...props} />;
}
