import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { resumeHalted, ZOperatorReason } from "@/lib/execution/operator-actions";

const ZResumeHalted = z
  .object({ ids: z.array(z.string().min(1).max(100)).min(1).max(500), reason: ZOperatorReason })
  .strict();

// POST /api/internal/halted/resume — halted → approved once no engaged switch covers them; all or none
export const POST = withSession(
  { permission: "kill_switches:write", body: ZResumeHalted },
  async ({ user, body, context }) =>
    resumeHalted([...new Set(body.ids)], user.id, body.reason, context),
);
