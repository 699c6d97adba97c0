import { checkHealth } from "@/lib/health";

export const dynamic = "force-dynamic";

// GET /api/health — database, worker heartbeat, queue depth, connectors; 503 when degraded
export async function GET() {
  const { httpStatus, body } = await checkHealth();
  return Response.json(body, { status: httpStatus, headers: { "cache-control": "no-store" } });
}
