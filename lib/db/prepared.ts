import "server-only";
import { createHash } from "node:crypto";

/**
 * How many distinct SQL texts one process prepares at most. The hot path has a handful; a text
 * built with a variable shape (a VALUES list per row, say) would prepare one more statement per
 * shape on every connection, so past this bound texts run unnamed instead (and a warning says so).
 */
export const MAX_PREPARED_TEXTS = 64;

/**
 * The name of the prepared statement for an exact SQL text: a prefix and 24 hex digits (96 bits)
 * of its sha256, so two different texts never share a name (pg refuses a name reused for another
 * text, "Prepared statements must be unique"), and under PostgreSQL's 63-byte limit.
 */
export function statementName(text: string): string {
  return "tg_" + createHash("sha256").update(text).digest("hex").slice(0, 24);
}

/**
 * Names for the texts a process runs prepared, at most `max` of them; `undefined` for a text
 * that should run unnamed (past the bound, `onOverflow` is called once).
 */
export function statementNames(max = MAX_PREPARED_TEXTS, onOverflow: () => void = () => {}) {
  const names = new Map<string, string>();
  let warned = false;
  return (text: string): string | undefined => {
    const known = names.get(text);
    if (known) return known;
    if (names.size >= max) {
      if (!warned) onOverflow();
      warned = true;
      return undefined;
    }
    const name = statementName(text);
    names.set(text, name);
    return name;
  };
}
