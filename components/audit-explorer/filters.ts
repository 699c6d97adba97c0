/** The explorer's filters, as they stand in the URL (lib/audit/explore.ts ZAuditFilters). */
export const FILTER_NAMES = [
  "lane",
  "actor",
  "subjectType",
  "subjectId",
  "action",
  "recordId",
  "from",
  "to",
] as const;
export type TFilterName = (typeof FILTER_NAMES)[number];
export type TFilters = Partial<Record<TFilterName, string>> & { lane: string };

export const searchOf = (filters: TFilters) =>
  new URLSearchParams(
    FILTER_NAMES.filter((n) => filters[n]).map((n) => [n, filters[n]!] as [string, string]),
  );
