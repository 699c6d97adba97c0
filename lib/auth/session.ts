import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AppError, unauthenticated } from "@/lib/core/errors";
import { REQUEST_PATH_HEADER, safeCallbackPath } from "./callback-url";
import { authOptions } from "./options";
import { toCurrentUser, type TCurrentUser } from "./current-user";
import { can, type TPermission } from "./permissions";
import { findLiveSession } from "./user-sessions";

export type { TCurrentUser };

/**
 * The signed-in user with roles and approver groups fresh from the database, or null. The
 * JWT must name a live server-side session (not signed out, not expired) of an active user.
 */
export async function getCurrentUser(): Promise<TCurrentUser | null> {
  const session = await getServerSession(authOptions);
  const { id, sid } = (session?.user ?? {}) as { id?: string; sid?: string };
  if (!id || !sid) return null;
  const user = await findLiveSession(sid, id);
  return user && toCurrentUser(user);
}

/** For internal APIs: the user, or a 401/403 AppError. */
export async function requireUser(permission: TPermission): Promise<TCurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw unauthenticated();
  if (!can(user.roles, permission)) {
    throw new AppError("forbidden", `Your role does not allow ${permission}`);
  }
  return user;
}

/**
 * To the sign-in page, coming back afterwards to the page asked for — with its query, e.g.
 * a webhook's `/inbox?request=…` link (from proxy.ts's header; `from` if it is missing).
 */
export async function redirectToSignIn(from: string): Promise<never> {
  const asked = (await headers()).get(REQUEST_PATH_HEADER);
  const back = safeCallbackPath(asked, safeCallbackPath(from));
  redirect(`/login?callbackUrl=${encodeURIComponent(back)}`);
}

/** For pages: the user, or a redirect to sign-in / the forbidden page. */
export async function requirePage(permission: TPermission, from: string): Promise<TCurrentUser> {
  const user = await getCurrentUser();
  if (!user) return redirectToSignIn(from);
  if (!can(user.roles, permission)) redirect(`/forbidden?need=${encodeURIComponent(permission)}`);
  return user;
}
