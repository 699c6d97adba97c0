import type { TRole } from "./permissions";

export type TCurrentUser = {
  id: string;
  email: string;
  name: string;
  roles: TRole[];
  groups: string[];
};

/** The columns a TCurrentUser is read from: the person, their roles and approver groups. */
export const CURRENT_USER_SELECT = {
  id: true,
  email: true,
  name: true,
  roles: { select: { role: true } },
  groups: { select: { group: { select: { key: true } } } },
} as const;

export function toCurrentUser(user: {
  id: string;
  email: string;
  name: string;
  roles: { role: TRole }[];
  groups: { group: { key: string } }[];
}): TCurrentUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    // a role granted in several environments is listed once
    roles: [...new Set(user.roles.map((r) => r.role))],
    groups: user.groups.map((g) => g.group.key),
  };
}
