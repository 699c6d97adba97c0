import { can, getCurrentUser } from "@/lib/auth";
import { NAV } from "@/components/nav";
import { NotFoundPanel } from "@/components/not-found-panel";

/** notFound() on a console page (an unknown id): the same 404 panel, inside the console layout. */
export default async function ConsoleNotFound() {
  const user = await getCurrentUser();
  const sections = user ? NAV.filter((n) => can(user.roles, n.permission)) : [];
  return <NotFoundPanel sections={sections} signedIn={!!user} />;
}
