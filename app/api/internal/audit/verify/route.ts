import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { AUDIT_LANES, runAuditVerification } from "@/lib/audit";

const ZVerifyInput = z.object({ lane: z.enum(AUDIT_LANES).optional() }).strict();

// POST /api/internal/audit/verify — walk one lane (or all) from the genesis, compare with the
// head, record the run; a new break raises the banner and the on-call webhook
export const POST = withSession(
  { permission: "audit:verify", body: ZVerifyInput },
  async ({ user, body }) => {
    const runs = await runAuditVerification({
      lanes: body.lane ? [body.lane] : undefined,
      mode: "full",
      trigger: "console",
      actorUserId: user.id,
    });
    return {
      ok: runs.every((r) => r.ok),
      lanes: runs.map((r) => ({
        lane: r.lane,
        ok: r.ok,
        checked: r.checked,
        eventCount: r.eventCount,
        head: r.head,
        broken: r.broken,
      })),
    };
  },
);
