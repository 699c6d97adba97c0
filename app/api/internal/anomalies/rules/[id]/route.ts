import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { deleteAnomalyRule } from "@/lib/anomalies";

// DELETE /api/internal/anomalies/rules/:id — remove an agent's or action type's rule, with why
export const DELETE = withSession(
  {
    permission: "anomaly_rules:write",
    body: z
      .object({ reason: z.string().trim().min(3, "Say why (at least 3 characters)").max(2000) })
      .strict(),
  },
  async ({ user, body, params, context }) =>
    deleteAnomalyRule(params.id, body.reason, user.id, context),
);
