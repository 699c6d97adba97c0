import { withSession } from "@/lib/http/with-session";
import { setRetryRule } from "@/lib/execution/retry-policy-config";
import { ZRetryRuleInput } from "@/lib/execution/retry-policy-input";

// PUT /api/internal/retry-policies/:errorClass — an admin sets the class's retry rule
export const PUT = withSession(
  { permission: "retry_policies:write", body: ZRetryRuleInput },
  async ({ user, body, params, context }) =>
    setRetryRule(params.errorClass, body, user.id, context),
);
