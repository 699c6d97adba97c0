import { withSession } from "@/lib/http/with-session";
import { listWorkflows } from "@/lib/workflows";

// GET /api/internal/workflows — every workflow with its baseline, canary, draft and switch
export const GET = withSession({ permission: "workflows:read" }, async () => ({
  workflows: await listWorkflows(),
}));
