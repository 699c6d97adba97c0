import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth";

/** Where a person lands: leadership (a viewer) on the metrics, everyone else on the agents. */
export default async function Home() {
  const user = await getCurrentUser();
  if (!user) redirect("/login");
  redirect(
    user.roles.length > 0 && user.roles.every((r) => r === "viewer") ? "/metrics" : "/agents",
  );
}
