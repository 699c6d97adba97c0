import { db } from "@/lib/db";

export const dynamic = "force-dynamic";

// GET /api/health — liveness plus a database round trip
export async function GET() {
  try {
    await db.$queryRaw`select 1`;
    return Response.json({ ok: true });
  } catch {
    return Response.json({ ok: false, error: "database unreachable" }, { status: 503 });
  }
}
