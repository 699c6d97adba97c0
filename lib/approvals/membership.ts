import type { TCurrentUser } from "@/lib/auth";

/**
 * The group a person decides a waiting request for: the request's own approver group, the
 * on-call group it escalated to, or (admins) the request's group. Null: they may not decide it.
 * A request without an approver group may be decided by any approver.
 */
export function decidingGroup(
  user: TCurrentUser,
  ar: { approverRole: string | null; escalatedTo: string | null },
): { group: string | null } | null {
  if (!ar.approverRole || user.groups.includes(ar.approverRole)) return { group: ar.approverRole };
  if (ar.escalatedTo && user.groups.includes(ar.escalatedTo)) return { group: ar.escalatedTo };
  if (user.roles.includes("admin")) return { group: ar.approverRole };
  return null;
}
