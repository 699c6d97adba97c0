import Link from "next/link";
import { can, ROLE_LABELS, type TCurrentUser } from "@/lib/auth";
import { NAV } from "./nav";
import { NavLink } from "./nav-link";
import { SignOutButton } from "./sign-out-button";
import { AuditBanner } from "./audit-banner";
import { AnomalyBanner } from "./anomaly-banner";
import { ToastProvider } from "./ui";
import { RecordSearch } from "./record-search";

export function ConsoleShell({
  user,
  children,
}: {
  user: TCurrentUser;
  children: React.ReactNode;
}) {
  const items = NAV.filter((n) => can(user.roles, n.permission));
  const sections = [...new Set(items.map((i) => i.section))];
  return (
    <ToastProvider>
      <div className="flex min-h-screen">
        <aside className="flex w-56 shrink-0 flex-col border-r border-line bg-white">
          <Link href="/" className="px-5 py-4 text-lg font-semibold tracking-tight">
            Tollgate
          </Link>
          {can(user.roles, "requests:read") && <RecordSearch />}
          <nav aria-label="Console" className="flex-1 space-y-5 px-3 py-2">
            {sections.map((s) => (
              <div key={s}>
                <div className="px-2 pb-1 text-[11px] font-semibold uppercase tracking-wider text-muted">
                  {s}
                </div>
                <ul className="space-y-0.5">
                  {items
                    .filter((i) => i.section === s)
                    .map((i) => (
                      <li key={i.href}>
                        <NavLink href={i.href}>{i.label}</NavLink>
                      </li>
                    ))}
                </ul>
              </div>
            ))}
          </nav>
          <div className="border-t border-line px-5 py-4">
            <div className="truncate text-sm font-medium" data-testid="current-user">
              {user.name}
            </div>
            <div className="truncate text-xs text-muted">
              {user.roles.map((r) => ROLE_LABELS[r]).join(", ")}
            </div>
            <div className="mt-2">
              <SignOutButton />
            </div>
          </div>
        </aside>
        <main className="min-w-0 flex-1 px-8 py-6">
          <AuditBanner user={user} />
          <AnomalyBanner user={user} />
          {children}
        </main>
      </div>
    </ToastProvider>
  );
}
