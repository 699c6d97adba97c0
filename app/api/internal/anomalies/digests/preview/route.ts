import { withSession } from "@/lib/http/with-session";
import { buildDigest, lastCompleteWeek } from "@/lib/anomalies";

// GET /api/internal/anomalies/digests/preview — the digest the next send would carry, unsent
export const GET = withSession({ permission: "digest:send" }, async () => {
  const now = new Date();
  return { digest: await buildDigest(lastCompleteWeek(now), now) };
});
