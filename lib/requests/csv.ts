/**
 * CSV (RFC 4180) for a spreadsheet: a cell with a comma, a quote or a line break is quoted with
 * its quotes doubled, and a cell a spreadsheet would read as a formula (starting with = + - @,
 * or a tab or carriage return before one) gets a leading apostrophe, so an agent's reason text
 * cannot run as a formula on the reader's machine (OWASP "CSV injection").
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s = typeof value === "string" ? value : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line, CRLF-terminated as RFC 4180 has it. */
export const csvLine = (cells: readonly unknown[]) => cells.map(csvCell).join(",") + "\r\n";
