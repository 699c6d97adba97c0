export {
  getMetrics,
  figures,
  ZMetricsQuery,
  METRIC_PERIODS,
  type TMetrics,
  type TFigures,
  type TMetricsQueryInput,
} from "./dashboard";
export { rollupMetrics, REFUSED_STATUSES } from "./rollup";
export { EDGES_MS, quantileMs } from "./histogram";
