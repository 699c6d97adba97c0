import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { getEffectiveRetryPolicy, listDeadLetters } from "@/lib/execution/dead-letters";

const ZQuery = z.object({ includeResolved: z.enum(["true", "false"]).optional() });

// GET /api/internal/dead-letters?includeResolved=true — open letters first, and the retry policy that sent them here
export const GET = withSession(
  { permission: "dead_letters:read", query: ZQuery },
  async ({ query }) => ({
    deadLetters: await listDeadLetters({ includeResolved: query.includeResolved === "true" }),
    retryPolicy: await getEffectiveRetryPolicy(),
  }),
);
