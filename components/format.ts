/**
 * The console's one way to show a time: "2026-12-02 14:05 UTC" — UTC, with the zone in the text.
 * The same text on the server render and in the browser (a locale- or zone-dependent string would
 * not hydrate cleanly, and two people in two zones would read the same event differently).
 * Every page and component shows times through this; `format.test.ts` keeps it that way.
 */
export function formatTime(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
