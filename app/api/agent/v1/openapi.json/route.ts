import { openApiDocument } from "@/lib/agent-api";

// GET /api/agent/v1/openapi.json — generated from the handlers' zod schemas; no auth
export const dynamic = "force-static";
export function GET() {
  return Response.json(openApiDocument());
}
