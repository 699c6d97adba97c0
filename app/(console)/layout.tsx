import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth";
import { ConsoleShell } from "@/components/console-shell";

// Every console page renders per request for the signed-in user.
export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  return <ConsoleShell user={user}>{children}</ConsoleShell>;
}
