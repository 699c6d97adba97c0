/**
 * Timestamps in UTC with a fixed format: the same text on the server render and in the
 * browser (a locale- or timezone-dependent string would not hydrate cleanly).
 */
export function formatTime(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
