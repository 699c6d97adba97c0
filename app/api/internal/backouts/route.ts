import { withSession } from "@/lib/http/with-session";
import { listBackouts, planBackout, ZBackoutInput } from "@/lib/backouts";

// GET /api/internal/backouts — the newest backouts, each with its plan and progress
export const GET = withSession({ permission: "requests:read" }, async ({ user }) => ({
  backouts: await listBackouts(user),
}));

// POST /api/internal/backouts — the dry run: select, read Salesforce, keep the plan (nothing written there)
export const POST = withSession(
  { permission: "requests:revert", body: ZBackoutInput },
  async ({ user, body, context }) => planBackout(user, body, context),
);
