import Link from "next/link";
import { can, requirePage } from "@/lib/auth";
import { toClientProps } from "@/lib/core/serialize";
import { filtersOf, listRequests, requestFacets, ZRequestQuery } from "@/lib/requests";
import { Alert, Button, PageHeader } from "@/components/ui";
import { ExportButtons } from "@/components/requests/export-button";
import { RequestBoard } from "@/components/requests/request-board";

export const metadata = { title: "Requests" };

export default async function RequestsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requirePage("requests:read", "/requests");
  const raw = Object.fromEntries(
    Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
  );
  const parsed = ZRequestQuery.safeParse(raw);
  const query = parsed.success ? parsed.data : ZRequestQuery.parse({});
  const filters = filtersOf(query);
  // a stale or hand-edited cursor opens the first page rather than an error page
  let cursor = query.cursor ?? null;
  const page = await listRequests({ ...filters, cursor: cursor ?? undefined }).catch(
    () => ((cursor = null), listRequests({ ...filters })),
  );
  return (
    <>
      <PageHeader
        title="Requests"
        description="Every write an agent asked for, in any status: who asked, for which record, who decided and how it ended. Newest first; filters stay in the link."
      >
        <div className="flex flex-wrap items-center gap-2">
          {can(user.roles, "requests:revert") && (
            <Button variant="secondary" asChild>
              <Link href="/backouts#new-backout">Back out…</Link>
            </Button>
          )}
          <ExportButtons filters={filters} />
        </div>
      </PageHeader>
      {!parsed.success && (
        <Alert tone="warning" className="mb-4">
          Some filters in the link were not valid and were left out:{" "}
          {parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join(" · ")}
        </Alert>
      )}
      <RequestBoard
        key={JSON.stringify(filters)}
        facets={toClientProps(await requestFacets())}
        filters={filters}
        initial={{ cursor, page: toClientProps(page) }}
      />
    </>
  );
}
