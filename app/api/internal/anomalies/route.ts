import { withSession } from "@/lib/http/with-session";
import {
  listAnomalies,
  listAnomalyRules,
  listDigests,
  unacknowledgedAnomalies,
} from "@/lib/anomalies";

// GET /api/internal/anomalies — the episodes, the rules, the last digests and the banner's count
export const GET = withSession({ permission: "anomalies:read" }, async () => {
  const [anomalies, rules, digests, unacknowledged] = await Promise.all([
    listAnomalies(),
    listAnomalyRules(),
    listDigests(),
    unacknowledgedAnomalies(),
  ]);
  return { anomalies, rules, digests, unacknowledged };
});
