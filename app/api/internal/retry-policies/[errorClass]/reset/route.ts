import { withSession } from "@/lib/http/with-session";
import { resetRetryRule } from "@/lib/execution/retry-policy-config";
import { ZRetryResetInput } from "@/lib/execution/retry-policy-input";

// POST /api/internal/retry-policies/:errorClass/reset — back to the default rule
export const POST = withSession(
  { permission: "retry_policies:write", body: ZRetryResetInput },
  async ({ user, body, params, context }) =>
    resetRetryRule(params.errorClass, body, user.id, context),
);
