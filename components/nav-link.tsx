"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { NAV } from "./nav";

/**
 * The page and the pages under it are the link's (/agents/…), except those under a longer
 * entry of its own (/audit/events is not /audit's).
 */
export function isActive(href: string, pathname: string | null): boolean {
  if (!pathname) return false;
  const under = (h: string) => pathname === h || pathname.startsWith(`${h}/`);
  return under(href) && !NAV.some((n) => n.href.startsWith(`${href}/`) && under(n.href));
}

export function NavLink({ href, children }: { href: string; children: React.ReactNode }) {
  const active = isActive(href, usePathname());
  return (
    <Link
      href={href}
      aria-current={active ? "page" : undefined}
      className={`block rounded-md px-2 py-1.5 text-sm ${active ? "bg-indigo-50 font-medium text-indigo-700" : "text-slate-700 hover:bg-slate-100"}`}
    >
      {children}
    </Link>
  );
}
