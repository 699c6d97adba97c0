import { withSession } from "@/lib/http/with-session";
import { getDeadLetter } from "@/lib/execution/dead-letters";
import { resolveDeadLetter, ZDeadLetterAction } from "@/lib/execution/operator-actions";

// GET /api/internal/dead-letters/:id — one dead-lettered action request's whole history
export const GET = withSession({ permission: "dead_letters:read" }, async ({ params }) =>
  getDeadLetter(params.id),
);

// POST /api/internal/dead-letters/:id — retry, re-route to approval, or discard, with a reason
export const POST = withSession(
  { permission: "dead_letters:write", body: ZDeadLetterAction },
  async ({ user, body, params, context }) => resolveDeadLetter(params.id, user.id, body, context),
);
