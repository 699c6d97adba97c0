import { withSession } from "@/lib/http/with-session";
import { sendWeeklyDigest } from "@/lib/anomalies";

// POST /api/internal/anomalies/digests — an admin sends the last complete week's digest now
export const POST = withSession({ permission: "digest:send" }, async ({ user, context }) => ({
  digest: await sendWeeklyDigest({ trigger: "person", requestedById: user.id, context }),
}));
