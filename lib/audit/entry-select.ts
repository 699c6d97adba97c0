import "server-only";
import type { Prisma } from "@/lib/db";

/** What a history list reads of each audit event: what, who (by name), when, why, payload. */
export const AUDIT_ENTRY_SELECT = {
  action: true,
  actorType: true,
  createdAt: true,
  reasonText: true,
  payload: true,
  actorUser: { select: { name: true } },
  actorAgent: { select: { slug: true } },
} satisfies Prisma.AuditEventSelect;
