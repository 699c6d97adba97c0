import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { getMetrics } from "@/lib/metrics";

// the service validates the filters itself (400 invalid_query with the failing fields)
const ZQuery = z.record(z.string(), z.string());

// GET /api/internal/metrics?days=30&agent=…&workflowVersion=…&actionType=…&environment=… — the dashboard's figures
export const GET = withSession({ permission: "metrics:read", query: ZQuery }, async ({ query }) =>
  getMetrics(query),
);
