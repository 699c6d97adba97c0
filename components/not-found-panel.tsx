"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

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
    <div className="mx-auto mt-10 max-w-md rounded-xl border border-slate-200 bg-white p-6 text-center shadow-sm">
      <p className="text-sm font-semibold text-indigo-600">404</p>
      <h1 className="mt-1 text-lg font-semibold">Page not found</h1>
      <p className="mt-2 break-words text-sm text-slate-600">
        Nothing here answers to <code className="rounded bg-slate-100 px-1">{pathname}</code>.
        {section ? ` It may have been removed, or the link has a wrong id.` : ""}
      </p>
      <div className="mt-4 flex flex-wrap justify-center gap-3 text-sm font-medium">
        {section && (
          <Link
            href={section.href}
            className="rounded-md bg-slate-900 px-3 py-1.5 text-white hover:bg-slate-700"
          >
            Back to {section.label}
          </Link>
        )}
        {signedIn ? (
          <Link
            href="/"
            className={
              section
                ? "rounded-md px-3 py-1.5 text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
                : "rounded-md bg-slate-900 px-3 py-1.5 text-white hover:bg-slate-700"
            }
          >
            Back to the console
          </Link>
        ) : (
          <Link
            href="/login"
            className="rounded-md bg-slate-900 px-3 py-1.5 text-white hover:bg-slate-700"
          >
            Sign in
          </Link>
        )}
      </div>
    </div>
  );
}
