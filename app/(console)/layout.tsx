import { getCurrentUser, redirectToSignIn } from "@/lib/auth";
import { ConsoleShell } from "@/components/console-shell";
import { QueryProvider } from "@/components/query-provider";

// Every console page renders per request for the signed-in user.
export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  // back to the page (and query) asked for once signed in
  if (!user) return redirectToSignIn("/agents");
  return (
    // around the shell too, so anything in it (banners, toasts) can use queries and mutations
    <QueryProvider>
      <ConsoleShell user={user}>{children}</ConsoleShell>
    </QueryProvider>
  );
}
