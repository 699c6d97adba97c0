"use client";

import { useCallback, useMemo, useRef, useState } from "react";
import type { TInboxItem } from "@/lib/approvals";
import { Alert, EmptyState } from "@/components/ui";
import { BulkBar, type TNotice } from "./bulk-bar";
import { decidedText, type TQueuedApproval } from "./decisions";
import { FilterBar, type TFacets } from "./filter-bar";
import { useDecision, useInboxList, type TFilters, type TInboxPage } from "./queries";
import { RequestDetail, type TDetailHandle } from "./request-detail";
import { RequestList } from "./request-list";
import { recordLabel, useNow } from "./shared";
import { UndoToast } from "./undo-toast";
import { useHeldApproval } from "./use-held-approval";
import { useInboxKeys } from "./use-inbox-keys";

const without = (set: ReadonlySet<string>, ids: string[]) =>
  new Set([...set].filter((id) => !ids.includes(id)));

/**
 * The approval inbox: filters, the waiting requests (paged by cursor), the one opened, the bulk
 * bar and the keyboard. The list comes from the server's first render, then from the query cache.
 */
export function InboxBoard({
  initial,
  facets,
  filters,
  canDecide,
  focus,
}: {
  initial: TInboxPage;
  facets: TFacets;
  filters: TFilters;
  canDecide: boolean;
  /** a request opened by link (?request=): its list item, or null when not found / not visible */
  focus?: { id: string; item: TInboxItem | null };
}) {
  const now = useNow();
  const list = useInboxList(filters, initial);
  const { mutateAsync: decide } = useDecision();
  const [activeId, setActiveId] = useState<string | null>(
    focus?.id ?? initial.items[0]?.id ?? null,
  );
  // decided here: out of the list even when a reload still lists them (approved, needing more)
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  // approved by key, out of the list while their undo window runs
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<TNotice | null>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const detailRef = useRef<TDetailHandle | null>(null);

  const items = useMemo(() => list.items.filter((i) => !removed.has(i.id)), [list.items, removed]);
  const visible = useMemo(() => items.filter((i) => !hidden.has(i.id)), [items, hidden]);
  const total =
    list.total === null
      ? null
      : Math.max(0, list.total - list.items.filter((i) => removed.has(i.id)).length);
  const linked =
    focus?.item && !removed.has(focus.id) && !items.some((i) => i.id === focus.id)
      ? focus.item
      : null;
  const active =
    visible.find((i) => i.id === activeId) ??
    (linked && linked.id === activeId && !hidden.has(linked.id) ? linked : null);
  const missing = focus && !focus.item && activeId === focus.id ? focus.id : null;

  /** The request after `id` among those shown (or before it, at the end of the list). */
  const nextAfter = useCallback(
    (id: string) => {
      const idx = visible.findIndex((i) => i.id === id);
      const rest = visible.filter((i) => i.id !== id);
      return rest[Math.min(Math.max(idx, 0), rest.length - 1)]?.id ?? null;
    },
    [visible],
  );

  /** Take decided requests out of the list and move on to the next one. */
  const removeItems = useCallback(
    (ids: string[]) => {
      setRemoved((prev) => new Set([...prev, ...ids]));
      setActiveId((current) => (current && ids.includes(current) ? nextAfter(current) : current));
      setHidden((prev) => without(prev, ids));
      setSelected((prev) => without(prev, ids));
    },
    [nextAfter],
  );

  /** Send a held approval now: its undo window is over, or the approver moved on. */
  const send = useCallback(
    async (q: TQueuedApproval) => {
      try {
        const r = await decide(q);
        removeItems([q.id]);
        setNotice({ tone: "ok", text: decidedText(q, r) });
      } catch (e) {
        setHidden((prev) => without(prev, [q.id]));
        setNotice({ tone: "error", text: `${q.label} was not approved: ${(e as Error).message}` });
      }
    },
    [decide, removeItems],
  );
  const held = useHeldApproval(send);

  /**
   * The `a` key: the approval is held with an Undo toast, then sent. The request leaves the list
   * at once and the next one is focused, so the approver can go on; pressing `a` again sends the
   * held one at once and holds the new one.
   */
  const approveByKey = () => {
    const q = detailRef.current?.approval();
    if (!q) return;
    if ("refused" in q) {
      setNotice({ tone: "error", text: q.refused });
      return;
    }
    held.hold(q);
    setHidden((prev) => new Set(prev).add(q.id));
    setActiveId(nextAfter(q.id));
    setNotice(null);
  };

  const undo = () => {
    const q = held.undo();
    if (!q) return;
    setHidden((prev) => without(prev, [q.id]));
    setActiveId(q.id);
    setNotice({ tone: "ok", text: `Undone: ${q.label} is still waiting for your decision.` });
  };

  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  useInboxKeys({
    move: (delta) => {
      if (!visible.length) return;
      const idx = visible.findIndex((i) => i.id === activeId);
      const next = visible[Math.min(visible.length - 1, Math.max(0, idx + delta))];
      setActiveId(next.id);
      listRef.current
        ?.querySelector(`[data-id="${next.id}"]`)
        ?.scrollIntoView({ block: "nearest" });
    },
    select: activeId ? () => toggle(activeId) : undefined,
    approve: canDecide ? approveByKey : undefined,
    deny: canDecide ? () => detailRef.current?.deny() : undefined,
    undo: held.held ? undo : undefined,
  });

  const loadMore = async () => {
    const page = await list.fetchNextPage();
    if (page.isError) setNotice({ tone: "error", text: page.error.message });
  };

  const detailPane = active ? (
    <RequestDetail
      key={active.id}
      item={active}
      now={now}
      canDecide={canDecide}
      bind={(h) => (detailRef.current = h)}
      onDone={(text) => {
        setNotice({ tone: "ok", text });
        removeItems([active.id]);
      }}
    />
  ) : missing ? (
    <section aria-label="Request not found">
      <EmptyState title="Request not found">
        No request <span className="break-all font-mono">{missing}</span> exists that you may see.
        It may be in another environment, or the link may be wrong.
      </EmptyState>
    </section>
  ) : (
    <EmptyState title="Pick a request">
      Choose one on the left to see its diff and evidence.
    </EmptyState>
  );

  return (
    <div className="min-w-0 space-y-4">
      <FilterBar facets={facets} filters={filters} total={total} totalCapped={list.totalCapped} />

      {notice && <Alert tone={notice.tone === "error" ? "error" : "success"}>{notice.text}</Alert>}

      {canDecide && (
        <BulkBar
          selected={[...selected]}
          nameOf={(id) => {
            const i = items.find((x) => x.id === id);
            return i ? recordLabel(i) : id;
          }}
          onDecided={removeItems}
          onNotice={setNotice}
          onClear={() => setSelected(new Set())}
        />
      )}

      {visible.length === 0 && !linked && !missing ? (
        <EmptyState title="Nothing waiting for you">
          Requests that need your decision, or human-only drafts for your groups, show up here.
        </EmptyState>
      ) : (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-5">
          <div className="min-w-0 lg:col-span-2">
            <RequestList
              items={visible}
              activeId={activeId}
              selected={selected}
              now={now}
              listRef={listRef}
              onOpen={setActiveId}
              onToggle={toggle}
              onSelectAll={(all) => setSelected(new Set(all ? visible.map((i) => i.id) : []))}
              loadMore={list.hasNextPage ? loadMore : undefined}
              loadingMore={list.isFetchingNextPage}
            />
          </div>
          <div className="min-w-0 lg:col-span-3">{detailPane}</div>
        </div>
      )}

      {held.held && <UndoToast label={held.held.q.label} until={held.held.until} onUndo={undo} />}
    </div>
  );
}
