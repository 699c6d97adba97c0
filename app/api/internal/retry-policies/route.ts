import { withSession } from "@/lib/http/with-session";
import { getEffectiveRetryPolicy } from "@/lib/execution/dead-letters";

// GET /api/internal/retry-policies — each error class's effective rule, default or saved
export const GET = withSession({ permission: "retry_policies:read" }, async () => ({
  retryPolicy: await getEffectiveRetryPolicy(),
}));
