import Link from "next/link";
import { requirePage } from "@/lib/auth";
import { listAuditEvents } from "@/lib/audit";
import { AppError } from "@/lib/core/errors";
import { toClientProps } from "@/lib/core/serialize";
import { PageHeader } from "@/components/ui";
import { AuditExplorer } from "@/components/audit-explorer/audit-explorer";
import { FILTER_NAMES, type TFilters } from "@/components/audit-explorer/filters";

export const metadata = { title: "Audit events" };

export default async function AuditEventsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePage("audit:read", "/audit/events");
  const params = await searchParams;
  const filters: TFilters = { lane: "data" };
  for (const name of FILTER_NAMES) {
    const v = params[name];
    if (typeof v === "string" && v) filters[name] = v;
  }
  let initial: Awaited<ReturnType<typeof listAuditEvents>> = { events: [], nextCursor: null };
  let invalid: string | null = null;
  try {
    initial = await listAuditEvents(filters);
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== "invalid_query") throw e;
    invalid = (e.details?.errors ?? []).map((x) => `${x.path}: ${x.message}`).join(" · ");
  }
  return (
    <>
      <PageHeader
        title="Audit events"
        description="One lane's events, newest first: who did what to which subject and record, and whether the event is sealed into the lane's hash chain yet. Verify re-hashes one event and its link to the one before; the export carries the lane's latest signed checkpoint so it can be checked away from this database."
      >
        <Link href="/audit" className="text-sm text-link underline-offset-2 hover:underline">
          Lane integrity
        </Link>
      </PageHeader>
      <AuditExplorer filters={filters} initial={toClientProps(initial)} invalid={invalid} />
    </>
  );
}
