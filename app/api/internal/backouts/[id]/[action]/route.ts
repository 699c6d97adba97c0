import { z } from "zod";
import { withSession } from "@/lib/http/with-session";
import { AppError } from "@/lib/core/errors";
import { cancelBackout, pauseBackout, resumeBackout, startBackout } from "@/lib/backouts";

const ACTIONS = {
  start: startBackout,
  pause: pauseBackout,
  resume: resumeBackout,
  cancel: cancelBackout,
};

// POST /api/internal/backouts/:id/{start,pause,resume,cancel} — each checks the role itself
// (start and resume: backouts:start, by someone other than the planner)
export const POST = withSession(
  { permission: "requests:read", body: z.object({}).strict().optional() },
  async ({ user, params, context }) => {
    const action = ACTIONS[params.action as keyof typeof ACTIONS];
    if (!Object.hasOwn(ACTIONS, params.action) || !action) {
      throw new AppError(
        "not_found",
        `No backout action "${params.action}": start, pause, resume or cancel`,
      );
    }
    return action(user, params.id, context);
  },
);
