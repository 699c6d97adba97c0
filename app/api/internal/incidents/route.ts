import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { listIncidents, openManualIncident, ZOpenIncidentInput } from "@/lib/incidents";

// the service validates the filters itself (400 invalid_query with the failing fields)
const ZQuery = z.record(z.string(), z.string());

// GET /api/internal/incidents?state=open&agent=…&source=…&severity=… — the incident log
export const GET = withSession({ permission: "incidents:read", query: ZQuery }, async ({ query }) =>
  listIncidents(query),
);

// POST /api/internal/incidents — a person opens an incident about one agent
export const POST = withSession(
  { permission: "incidents:write", body: ZOpenIncidentInput },
  async ({ user, body, context }) => openManualIncident(body, user.id, context),
);
