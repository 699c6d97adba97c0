export {
  listRequests,
  parseRequestQuery,
  requestFacets,
  type TDecidedBy,
  type TRequestFacets,
  type TRequestPage,
  type TRequestRow,
} from "./list-requests";
export {
  exportRequests,
  decidedByText,
  EXPORT_COUNT_CAP,
  type TExportFormat,
} from "./export-requests";
export * from "./query";
