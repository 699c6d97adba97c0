import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { db } from "@/lib/db";
import { AppError, unauthenticated } from "@/lib/core/errors";
import { authOptions } from "./options";
import { can, type TPermission, type TRole } from "./permissions";

export type TCurrentUser = {
  id: string;
  email: string;
  name: string;
  roles: TRole[];
  groups: string[];
};

/** The signed-in user with roles and approver groups fresh from the database, or null. */
export async function getCurrentUser(): Promise<TCurrentUser | null> {
  const session = await getServerSession(authOptions);
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  const user = await db.user.findUnique({
    where: { id },
    select: {
      id: true,
      email: true,
      name: true,
      status: true,
      roles: { select: { role: true } },
      groups: { select: { group: { select: { key: true } } } },
    },
  });
  if (!user || user.status !== "active") return null;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: [...new Set(user.roles.map((r) => r.role))],
    groups: user.groups.map((g) => g.group.key),
  };
}

/** For internal APIs: the user, or a 401/403 AppError. */
export async function requireUser(permission: TPermission): Promise<TCurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw unauthenticated();
  if (!can(user.roles, permission)) {
    throw new AppError("forbidden", 403, `Your role does not allow ${permission}`);
  }
  return user;
}

/** For pages: the user, or a redirect to sign-in / the forbidden page. */
export async function requirePage(permission: TPermission, from: string): Promise<TCurrentUser> {
  const user = await getCurrentUser();
  if (!user) redirect(`/login?callbackUrl=${encodeURIComponent(from)}`);
  if (!can(user.roles, permission)) redirect(`/forbidden?need=${encodeURIComponent(permission)}`);
  return user;
}
