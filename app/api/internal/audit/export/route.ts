import { withSession } from "@/lib/http/with-session";
import { openAuditExport } from "@/lib/audit";

// GET /api/internal/audit/export?lane=&<the explorer's filters> — JSONL, streamed: the lane's
// latest signed checkpoint (with the public key), then its sealed events up to it in seq order
export const GET = withSession({ permission: "audit:read" }, async ({ req }) => {
  const { stream, filename } = await openAuditExport(
    Object.fromEntries(new URL(req.url).searchParams),
  );
  return new Response(stream, {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  });
});
