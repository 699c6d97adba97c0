"use client";

import { useState } from "react";
import type { z } from "zod";
import { ApiError } from "@/components/send-json";

/**
 * A dialog form's messages: each failing path's message under its field, the rest above the
 * buttons. The same for the form's own zod check and the server's problem+json `errors`, so a
 * refusal reads the same wherever it was found. `fieldOf` maps a path to a form field.
 */
export function useFormErrors<K extends string>(fieldOf: (path: string) => K | null) {
  const [errors, setErrors] = useState<Partial<Record<K, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  // 409: someone else changed it since the dialog opened; the form offers a reload
  const [conflict, setConflict] = useState(false);

  function show(issues: { path: string; message: string }[], fallback: string) {
    const byField: Partial<Record<K, string>> = {};
    const rest: string[] = [];
    for (const i of issues) {
      const k = fieldOf(i.path);
      if (k) byField[k] ??= i.message;
      else rest.push(i.message);
    }
    setConflict(false);
    setErrors(byField);
    setFormError(rest.length ? rest.join(" · ") : Object.keys(byField).length ? null : fallback);
  }

  return {
    errors,
    formError,
    conflict,
    /** messages found by the form itself, by path (as the server would name them) */
    show,
    clear() {
      setErrors({});
      setFormError(null);
      setConflict(false);
    },
    /** the form's own check: false (and the messages shown) when the schema refuses `input` */
    check(schema: z.ZodType, input: unknown): boolean {
      const r = schema.safeParse(input);
      if (r.success) return true;
      show(
        r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        "Check the form",
      );
      return false;
    },
    /** a refusal from the server */
    fromServer(err: Error) {
      if (err instanceof ApiError && err.errors.length) show(err.errors, err.message);
      else {
        setErrors({});
        setFormError(err.message);
      }
      setConflict(err instanceof ApiError && err.status === 409);
    },
  };
}
