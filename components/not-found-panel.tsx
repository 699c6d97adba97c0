"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { Button, Card } from "./ui";

/**
 * The body of a 404: what happened and the ways back — the section the missing URL sits in
 * (`/agents/<unknown id>` → Agents) when the person may open it, and the console's home. Signed
 * out, the only way back is signing in. A client component: only the browser knows the path.
 */
export function NotFoundPanel({
  sections,
  signedIn,
}: {
  /** console pages this person may open, from NAV */
  sections: { href: string; label: string }[];
  signedIn: boolean;
}) {
  const pathname = usePathname() ?? "";
  const section = sections.find((s) => pathname === s.href || pathname.startsWith(`${s.href}/`));
  return (
    <Card as="div" padding="lg" className="mx-auto mt-10 max-w-md text-center shadow-sm">
      <p className="text-sm font-semibold text-primary">404</p>
      <h1 className="mt-1 text-lg font-semibold">Page not found</h1>
      <p className="mt-2 break-words text-sm text-muted">
        Nothing here answers to <code className="rounded bg-slate-100 px-1">{pathname}</code>.
        {section ? ` It may have been removed, or the link has a wrong id.` : ""}
      </p>
      <div className="mt-4 flex flex-wrap justify-center gap-3">
        {section && (
          <Button asChild size="md">
            <Link href={section.href}>Back to {section.label}</Link>
          </Button>
        )}
        {signedIn ? (
          <Button asChild size="md" variant={section ? "secondary" : "primary"}>
            <Link href="/">Back to the console</Link>
          </Button>
        ) : (
          <Button asChild size="md">
            <Link href="/login">Sign in</Link>
          </Button>
        )}
      </div>
    </Card>
  );
}
