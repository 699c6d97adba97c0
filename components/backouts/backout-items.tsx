"use client";

import { useState } from "react";
import Link from "next/link";
import { useInfiniteQuery } from "@tanstack/react-query";
import {
  Alert,
  Badge,
  Button,
  Card,
  cx,
  Field,
  Select,
  TableBody,
  TableCell,
  TableEmpty,
  TableFrame,
  TableHeader,
} from "@/components/ui";
import { sendJson } from "@/components/send-json";
import { show } from "@/components/inbox/shared";
import { StatusBadge } from "@/components/requests/status-badge";
import {
  backoutKeys,
  isLive,
  ITEM_STATE_LABELS,
  type TBackout,
  type TItem,
  type TItemPage,
} from "./shared";

const PAGE = 50;

/**
 * The backout's items, a page at a time ("Show more"), filtered by state: each record and field
 * with the requests it undoes, its values — before the selection's writes, what Tollgate wrote,
 * what Salesforce held at the dry run — and, once queued, the revert carrying it out.
 */
export function BackoutItems({ backout: b }: { backout: TBackout }) {
  const [state, setState] = useState("");
  const items = useInfiniteQuery({
    queryKey: backoutKeys.items(b.id, state),
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (state) q.set("state", state);
      if (pageParam) q.set("after", pageParam);
      return sendJson<TItemPage>(`/api/internal/backouts/${encodeURIComponent(b.id)}/items?${q}`);
    },
    initialPageParam: "",
    getNextPageParam: (last) => last.next ?? undefined,
    refetchInterval: isLive(b.status) ? 2_000 : false,
  });
  const rows = items.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card padding="md" aria-labelledby="bo-items">
      <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
        <h2 id="bo-items" className="text-sm font-semibold">
          Fields and requests
        </h2>
        <Field label="Show" id="bo-state" className="w-60">
          <Select value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">Every item</option>
            {Object.entries(ITEM_STATE_LABELS).map(([value, { label }]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      {items.error && (
        <Alert tone="error" size="sm" className="mb-3">
          {items.error.message}
        </Alert>
      )}
      <TableFrame
        label="Backout items"
        minWidth="43rem"
        framed={false}
        dense
        tableClassName="text-xs"
        footer={
          items.hasNextPage && (
            <div className="border-t border-line pt-3 text-center">
              <Button
                variant="secondary"
                busy={items.isFetchingNextPage}
                onClick={() => void items.fetchNextPage()}
              >
                Show more
              </Button>
            </div>
          )
        }
      >
        <TableHeader columns={["State", "Record and requests", "Field", "Values", "Revert"]} />
        <TableBody>
          {items.isPending ? (
            <TableEmpty colSpan={5}>Loading…</TableEmpty>
          ) : rows.length === 0 ? (
            <TableEmpty colSpan={5}>No item in this state.</TableEmpty>
          ) : (
            rows.map((i) => <ItemRow key={i.id} item={i} envSlug={b.environment.slug} />)
          )}
        </TableBody>
      </TableFrame>
    </Card>
  );
}

function ItemRow({ item: i, envSlug }: { item: TItem; envSlug: string }) {
  const s = ITEM_STATE_LABELS[i.state] ?? { label: i.state, tone: "gray" as const };
  const whole = i.field === null;
  return (
    <tr className="align-top" data-testid={`item-${i.recordId}-${i.field ?? "whole"}`}>
      <TableCell className="w-32">
        <Badge tone={s.tone}>{s.label}</Badge>
        {i.note && <div className="mt-1 text-muted">{i.note}</div>}
        {i.laterRequestId && (
          <Link className="mt-0.5 block underline" href={`/requests/${i.laterRequestId}`}>
            the later request
          </Link>
        )}
      </TableCell>
      <TableCell>
        {i.recordId ? (
          <Link className="underline" href={`/records/${i.recordId}?env=${envSlug}`}>
            {i.recordName ?? i.object}
          </Link>
        ) : (
          (i.recordName ?? i.object)
        )}
        {i.recordId && <div className="font-mono text-muted">{i.recordId}</div>}
        <div className="mt-1 text-muted">
          undoes{" "}
          {i.requestIds.slice(0, 3).map((r, n) => (
            <span key={r}>
              {n > 0 && ", "}
              <Link className="font-mono underline" href={`/requests/${r}`}>
                {r}
              </Link>
            </span>
          ))}
          {i.requestIds.length > 3 && ` and ${i.requestIds.length - 3} more`}
        </div>
      </TableCell>
      <TableCell className="font-mono">
        {whole ? <span className="font-sans text-muted">the whole request</span> : i.field}
      </TableCell>
      <TableCell className="min-w-36">
        {whole ? (
          "—"
        ) : (
          <dl className="grid grid-cols-[auto_1fr] gap-x-2">
            <dt className="whitespace-nowrap text-muted">before</dt>
            <Value v={i.before} className="font-semibold" />
            <dt className="whitespace-nowrap text-muted">wrote</dt>
            <Value v={i.written} />
            <dt className="whitespace-nowrap text-muted">at dry run</dt>
            <Value
              v={i.state === "revert_open" ? null : i.current}
              className={i.state === "conflict" ? "font-semibold text-red-700" : undefined}
            />
          </dl>
        )}
      </TableCell>
      <TableCell className="w-40">
        {i.revertRequestId ? (
          <Link
            href={`/requests/${i.revertRequestId}`}
            className="inline-flex flex-col items-start gap-0.5"
            aria-label={`Revert ${i.revertRequestId}: ${i.revertStatus ?? "unknown"}`}
          >
            <StatusBadge status={i.revertStatus ?? "unknown"} />
            <span className="font-mono text-muted underline">{i.revertRequestId}</span>
          </Link>
        ) : (
          <span className="text-muted">—</span>
        )}
        {i.revertError && <div className="mt-1 text-red-700">{i.revertError}</div>}
      </TableCell>
    </tr>
  );
}

/** A value: kept on one line when short (a date, an amount), wrapped anywhere when long. */
function Value({ v, className }: { v: unknown; className?: string }) {
  const text = show(v);
  return (
    <dd className={cx(text.length <= 24 ? "whitespace-nowrap" : "break-all", className)}>{text}</dd>
  );
}
