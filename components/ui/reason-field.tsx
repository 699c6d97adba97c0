import { Field, Textarea } from "./field";

/**
 * The reason a change asks for (the audit trail's "why"): a labelled text box with its hint and
 * the schema's or the server's message under it. The block every change dialog repeats.
 */
export function ReasonField({
  value,
  onChange,
  error,
  label = "Reason",
  hint,
  id,
  rows = 2,
  autoFocus,
  className,
}: {
  value: string;
  onChange: (value: string) => void;
  error?: React.ReactNode;
  label?: React.ReactNode;
  hint?: React.ReactNode;
  id?: string;
  rows?: number;
  autoFocus?: boolean;
  className?: string;
}) {
  return (
    <Field label={label} hint={hint} error={error} id={id} className={className}>
      <Textarea
        autoFocus={autoFocus}
        rows={rows}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </Field>
  );
}
