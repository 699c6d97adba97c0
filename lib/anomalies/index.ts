export { countAnomalies } from "./count-anomalies";
