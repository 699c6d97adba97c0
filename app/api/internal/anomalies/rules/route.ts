import { withSession } from "@/lib/http/with-session";
import { saveAnomalyRule, ZAnomalyRuleInput } from "@/lib/anomalies";

// POST /api/internal/anomalies/rules — set the thresholds and automatic trip of a scope
export const POST = withSession(
  { permission: "anomaly_rules:write", body: ZAnomalyRuleInput },
  async ({ user, body, context }) => ({ rule: await saveAnomalyRule(body, user.id, context) }),
);
