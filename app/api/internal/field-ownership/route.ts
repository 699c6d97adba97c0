import { withSession } from "@/lib/http/with-session";
import {
  createFieldOwnership,
  listFieldOwnership,
  ZCreateFieldOwnershipInput,
} from "@/lib/field-ownership";

// GET /api/internal/field-ownership — every object's fields with their owner, writers and rules
export const GET = withSession({ permission: "field_ownership:read" }, async () =>
  listFieldOwnership(),
);

// POST /api/internal/field-ownership — name the system of record and writers of one more field
export const POST = withSession(
  { permission: "field_ownership:write", body: ZCreateFieldOwnershipInput },
  async ({ user, body, context }) => createFieldOwnership(body, user.id, context),
);
