"use client";

import { useState } from "react";
import type { TRequestFacets, TRequestPage } from "@/lib/requests";
import type { TRequestFilters } from "@/lib/requests/query";
import { Alert, Button } from "@/components/ui";
import { searchOf, useRequestPage } from "./queries";
import { RequestFilters } from "./request-filters";
import { RequestTable } from "./request-table";

/**
 * The Requests page: filters, one keyset page of every action request, and the pager. A page
 * change asks the API for the page at its cursor and writes the cursor into the URL (without a
 * new server render), so a link or a reload shows the same page.
 */
export function RequestBoard({
  facets,
  filters,
  initial,
}: {
  facets: TRequestFacets;
  filters: TRequestFilters;
  /** the page the server rendered, and the cursor it was read at */
  initial: { cursor: string | null; page: TRequestPage };
}) {
  const [cursor, setCursor] = useState<string | null>(initial.cursor);
  const list = useRequestPage(filters, cursor, initial);
  const page = list.data ?? initial.page;

  function go(next: string | null) {
    setCursor(next);
    const q = searchOf(filters, { cursor: next });
    window.history.replaceState(null, "", `/requests${q.size ? `?${q}` : ""}`);
  }

  const pager = (
    <nav aria-label="Pages" className="flex items-center justify-end gap-2 p-3">
      {list.isFetching && <span className="mr-auto text-xs text-muted">Loading…</span>}
      <Button variant="secondary" disabled={!cursor} onClick={() => go(null)}>
        First
      </Button>
      <Button variant="secondary" disabled={!page.prevCursor} onClick={() => go(page.prevCursor)}>
        Previous
      </Button>
      <Button variant="secondary" disabled={!page.nextCursor} onClick={() => go(page.nextCursor)}>
        Next page
      </Button>
    </nav>
  );

  return (
    <div className="space-y-4">
      <RequestFilters facets={facets} filters={filters} />
      {list.error && <Alert tone="error">{list.error.message}</Alert>}
      <div aria-busy={list.isFetching}>
        <RequestTable rows={page.items} />
        {pager}
      </div>
    </div>
  );
}
