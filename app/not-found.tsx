import type { Metadata } from "next";
import { can, getCurrentUser } from "@/lib/auth";
import { ConsoleShell } from "@/components/console-shell";
import { NAV } from "@/components/nav";
import { NotFoundPanel } from "@/components/not-found-panel";

export const metadata: Metadata = { title: "Page not found" };

/**
 * Unknown URLs, and notFound() outside the console group: inside the console frame (navigation,
 * who is signed in) for a signed-in person, on a plain page otherwise. Inside the console group
 * `app/(console)/not-found.tsx` answers instead, within the console layout.
 */
export default async function NotFound() {
  const user = await getCurrentUser();
  if (!user) {
    return (
      <main className="min-h-screen p-6">
        <NotFoundPanel sections={[]} signedIn={false} />
      </main>
    );
  }
  return (
    <ConsoleShell user={user}>
      <NotFoundPanel sections={NAV.filter((n) => can(user.roles, n.permission))} signedIn />
    </ConsoleShell>
  );
}
