"use client";

import { Field, Textarea } from "@/components/ui";
import { validateCondition } from "@/lib/policy/condition";

/**
 * A condition's text with the condition language's own parser run as you type (it is pure, the
 * same code the server runs): a malformed condition shows its reason and, marked in the text,
 * the place where reading it failed.
 */
export function ConditionInput(props: {
  id: string;
  value: string;
  onChange: (text: string) => void;
  /** the server's or the schema's message, when the parser has nothing to say */
  error?: string;
}) {
  const syntax = props.value.trim() ? validateCondition(props.value) : null;
  const at = syntax?.position ?? 0;
  return (
    <div className="space-y-1">
      <Field
        id={props.id}
        label="When"
        hint="e.g. Amount >= 100000 or current.StageName in ('Closed Won')"
        error={syntax ? `Column ${at + 1}: ${syntax.reason}` : (props.error ?? undefined)}
      >
        <Textarea
          rows={2}
          spellCheck={false}
          className="font-mono text-xs"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        />
      </Field>
      {syntax && (
        <p
          data-testid="condition-error-position"
          className="rounded bg-slate-50 px-2 py-1 font-mono text-[11px] [overflow-wrap:anywhere]"
        >
          {props.value.slice(0, at)}
          <mark className="rounded-sm bg-red-200 px-0.5 text-red-900">
            {props.value[at] ?? "␣"}
          </mark>
          {props.value.slice(at + 1)}
        </p>
      )}
    </div>
  );
}
