"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import type { TInboxItem } from "@/lib/approvals";
import { Badge, EmptyState } from "@/components/ui";
import { sendJson } from "@/components/send-json";
import { RecordFactsLine } from "@/components/inbox/record-facts";
import {
  decidedText,
  RequestDetail,
  type TDecisionAnswer,
  type TDetailHandle,
  type TQueuedApproval,
} from "@/components/inbox/request-detail";
import { UndoToast, UNDO_MS } from "@/components/inbox/undo-toast";
import { recordLabel, RISK_TONE, show, SlaCountdown, useNow } from "@/components/inbox/shared";

export { SlaCountdown } from "@/components/inbox/shared";

type TFacets = {
  agents: { slug: string; name: string }[];
  actionTypes: { key: string; name: string }[];
  workflows: { key: string; name: string }[];
  environments: { slug: string; name: string }[];
  ages: Record<string, string>;
};
type TPage = {
  items: TInboxItem[];
  total: number | null;
  totalCapped?: boolean;
  nextCursor: string | null;
};

const FILTERS = ["agent", "actionType", "workflow", "environment", "age", "kind"] as const;
type TFilters = Partial<Record<(typeof FILTERS)[number], string>>;

type TPending = { q: TQueuedApproval; timer: ReturnType<typeof setTimeout>; until: number };

export function InboxBoard({
  initial,
  facets,
  filters,
  canDecide,
  focus,
}: {
  initial: TPage;
  facets: TFacets;
  filters: TFilters;
  canDecide: boolean;
  /** a request opened by link (?request=): its list item, or null when not found / not visible */
  focus?: { id: string; item: TInboxItem | null };
}) {
  const router = useRouter();
  const now = useNow();
  const [items, setItems] = useState(initial.items);
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [total, setTotal] = useState(initial.total);
  const [activeId, setActiveId] = useState<string | null>(
    focus?.id ?? initial.items[0]?.id ?? null,
  );
  // requests approved by key, out of the list while their undo window runs
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<Omit<TPending, "timer"> | null>(null);
  const pendingRef = useRef<TPending | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<{ tone: "ok" | "error"; text: string } | null>(null);
  const [bulkReason, setBulkReason] = useState("");
  const [busy, setBusy] = useState(false);
  const listRef = useRef<HTMLUListElement>(null);
  const bulkReasonRef = useRef<HTMLInputElement>(null);
  const detailRef = useRef<TDetailHandle | null>(null);

  const visible = useMemo(() => items.filter((i) => !hidden.has(i.id)), [items, hidden]);
  const linked = focus?.item && !items.some((i) => i.id === focus.id) ? focus.item : null;
  const active =
    visible.find((i) => i.id === activeId) ??
    (linked && linked.id === activeId && !hidden.has(linked.id) ? linked : null);
  const missing = focus && !focus.item && activeId === focus.id ? focus.id : null;

  // filters chosen but not yet rendered: two quick changes must not lose the first
  const wanted = useRef<TFilters>(filters);
  const setFilter = (name: (typeof FILTERS)[number], value: string) => {
    wanted.current = { ...wanted.current, [name]: value || undefined };
    const next = new URLSearchParams(
      Object.entries(wanted.current).filter(([, v]) => v) as [string, string][],
    );
    router.push(`/inbox${next.size ? `?${next}` : ""}`);
  };

  const loadMore = async () => {
    if (!cursor) return;
    const q = new URLSearchParams(
      Object.entries(filters).filter(([, v]) => v) as [string, string][],
    );
    q.set("cursor", cursor);
    try {
      const page = await sendJson<TPage>(`/api/internal/inbox?${q}`);
      setItems((prev) => [...prev, ...page.items.filter((i) => !prev.some((p) => p.id === i.id))]);
      setCursor(page.nextCursor);
    } catch (e) {
      setNotice({ tone: "error", text: (e as Error).message });
    }
  };

  /** The request after `id` among those shown (or before it, at the end of the list). */
  const nextAfter = useCallback(
    (id: string) => {
      const idx = visible.findIndex((i) => i.id === id);
      const rest = visible.filter((i) => i.id !== id);
      return rest[Math.min(Math.max(idx, 0), rest.length - 1)]?.id ?? null;
    },
    [visible],
  );

  /** Remove decided requests from the list and move on to the next one. */
  const removeItems = useCallback(
    (ids: string[]) => {
      setItems((prev) => prev.filter((i) => !ids.includes(i.id)));
      setActiveId((current) => (current && ids.includes(current) ? nextAfter(current) : current));
      setHidden((prev) => new Set([...prev].filter((id) => !ids.includes(id))));
      setSelected((prev) => new Set([...prev].filter((id) => !ids.includes(id))));
      setTotal((t) => (t === null ? t : Math.max(0, t - ids.length)));
    },
    [nextAfter],
  );

  /** Send a held approval now: its undo window is over, or the approver moved on. */
  const send = useCallback(
    async (q: TQueuedApproval) => {
      try {
        const r = await sendJson<TDecisionAnswer>(q.url, "POST", q.body);
        removeItems([q.id]);
        setNotice({ tone: "ok", text: decidedText(q, r) });
      } catch (e) {
        setHidden((prev) => new Set([...prev].filter((h) => h !== q.id)));
        setNotice({ tone: "error", text: `${q.label} was not approved: ${(e as Error).message}` });
      }
    },
    [removeItems],
  );

  const flush = useCallback(() => {
    const p = pendingRef.current;
    if (!p) return;
    clearTimeout(p.timer);
    pendingRef.current = null;
    setPending(null);
    void send(p.q);
  }, [send]);

  /**
   * The `a` key: the approval is held for UNDO_MS with an Undo toast, then sent. The request
   * leaves the list at once and the next one is focused, so the approver can go on; pressing
   * `a` again sends the held one at once and holds the new one.
   */
  const approveByKey = useCallback(() => {
    const q = detailRef.current?.approval();
    if (!q) return;
    if ("refused" in q) {
      setNotice({ tone: "error", text: q.refused });
      return;
    }
    flush();
    setHidden((prev) => new Set(prev).add(q.id));
    setActiveId(nextAfter(q.id));
    setNotice(null);
    const until = Date.now() + UNDO_MS;
    const timer = setTimeout(() => {
      if (pendingRef.current?.q.id === q.id) flush();
    }, UNDO_MS);
    pendingRef.current = { q, timer, until };
    setPending({ q, until });
  }, [flush, nextAfter]);

  const undo = useCallback(() => {
    const p = pendingRef.current;
    if (!p) return;
    clearTimeout(p.timer);
    pendingRef.current = null;
    setPending(null);
    setHidden((prev) => new Set([...prev].filter((h) => h !== p.q.id)));
    setActiveId(p.q.id);
    setNotice({ tone: "ok", text: `Undone: ${p.q.label} is still waiting for your decision.` });
  }, []);

  // Leaving the page (another page, a filter change, closing the tab) sends a held approval:
  // the key press was the decision and the window only a chance to take it back. keepalive
  // lets the request outlive the page.
  useEffect(() => {
    const leave = () => {
      const p = pendingRef.current;
      if (!p) return;
      clearTimeout(p.timer);
      pendingRef.current = null;
      void fetch(p.q.url, {
        method: "POST",
        keepalive: true,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(p.q.body),
      });
    };
    window.addEventListener("pagehide", leave);
    return () => {
      window.removeEventListener("pagehide", leave);
      leave();
    };
  }, []);

  const move = useCallback(
    (delta: number) => {
      if (!visible.length) return;
      const idx = visible.findIndex((i) => i.id === activeId);
      const next = visible[Math.min(visible.length - 1, Math.max(0, idx + delta))];
      setActiveId(next.id);
      listRef.current
        ?.querySelector(`[data-id="${next.id}"]`)
        ?.scrollIntoView({ block: "nearest" });
    },
    [visible, activeId],
  );

  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName) || e.metaKey || e.ctrlKey || e.altKey)
        return;
      if (e.key === "j" || e.key === "ArrowDown") move(1);
      else if (e.key === "k" || e.key === "ArrowUp") move(-1);
      else if (e.key === "x" && activeId) toggle(activeId);
      else if (e.key === "a" && canDecide) approveByKey();
      else if (e.key === "d" && canDecide) detailRef.current?.deny();
      else if (e.key === "u" && pendingRef.current) undo();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [move, activeId, canDecide, approveByKey, undo]);

  const bulk = async (decision: "approve" | "deny") => {
    setNotice(null);
    const reason = bulkReason.trim();
    // approving needs no reason; a denial always does, one for the whole selection
    if (decision === "deny" && !reason) {
      setNotice({ tone: "error", text: "Say why you deny them: a reason is required." });
      bulkReasonRef.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const res = await sendJson<{
        decided: number;
        failed: number;
        results: { id: string; ok: boolean; status?: string; error?: string }[];
      }>("/api/internal/inbox/bulk", "POST", {
        ids: [...selected],
        decision,
        ...(reason ? { reason } : {}),
      });
      const done = res.results
        .filter((r) => r.ok && r.status !== "pending_approval" && r.status !== "draft")
        .map((r) => r.id);
      removeItems(done);
      const failures = res.results.filter((r) => !r.ok);
      const name = (id: string) => {
        const i = items.find((x) => x.id === id);
        return i ? recordLabel(i) : id;
      };
      setNotice({
        tone: failures.length ? "error" : "ok",
        text:
          `${decision === "approve" ? "Approved" : "Denied"} ${res.decided} of ${res.results.length}.` +
          (failures.length
            ? ` Not decided: ${failures.map((f) => `${name(f.id)} (${f.error})`).join("; ")}`
            : ""),
      });
      if (!failures.length) setBulkReason("");
    } catch (e) {
      setNotice({ tone: "error", text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const selectOptions = useMemo(
    () => ({
      agent: facets.agents.map((a) => [a.slug, a.name] as const),
      actionType: facets.actionTypes.map((a) => [a.key, a.key] as const),
      workflow: facets.workflows.map((w) => [w.key, w.name] as const),
      environment: facets.environments.map((e) => [e.slug, e.name] as const),
      age: Object.entries(facets.ages) as [string, string][],
      kind: [
        ["approvals", "Approvals"],
        ["drafts", "Drafts (human-only)"],
      ] as const,
    }),
    [facets],
  );
  const LABELS = {
    agent: "Agent",
    actionType: "Action type",
    workflow: "Workflow",
    environment: "Environment",
    age: "Age",
    kind: "Kind",
  } as const;

  const detailPane = active ? (
    <RequestDetail
      key={active.id}
      item={active}
      now={now}
      canDecide={canDecide}
      bind={(h) => (detailRef.current = h)}
      onDone={(text, remove) => {
        setNotice({ tone: "ok", text });
        if (remove) removeItems([active.id]);
        else router.refresh();
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
      <div className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-3">
        {FILTERS.map((name) => (
          <label key={name} className="text-xs font-medium text-slate-600">
            {LABELS[name]}
            <select
              aria-label={LABELS[name]}
              className="mt-1 block w-44 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
              value={filters[name] ?? ""}
              onChange={(e) => setFilter(name, e.target.value)}
            >
              <option value="">{name === "kind" ? "Everything waiting" : "All"}</option>
              {selectOptions[name].map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        ))}
        <div className="ml-auto text-xs text-slate-500" aria-live="polite">
          {total === null ? "" : `${total}${initial.totalCapped ? "+" : ""} waiting`} · keys: j/k
          move · x select · a approve (u undoes) · d deny
        </div>
      </div>

      {notice && (
        <div
          role={notice.tone === "error" ? "alert" : "status"}
          className={`rounded-md px-3 py-2 text-sm ${notice.tone === "error" ? "bg-red-50 text-red-800" : "bg-emerald-50 text-emerald-800"}`}
        >
          {notice.text}
        </div>
      )}

      {canDecide && selected.size > 0 && (
        <div className="flex flex-wrap items-center gap-3 rounded-xl border border-sky-200 bg-sky-50 p-3 text-sm">
          <span className="font-medium">{selected.size} selected</span>
          <input
            ref={bulkReasonRef}
            aria-label="Reason for the selection"
            placeholder="One reason for all of them (required to deny, optional to approve)"
            className="min-w-0 flex-1 basis-72 rounded-md border border-slate-300 px-2 py-1.5"
            value={bulkReason}
            onChange={(e) => setBulkReason(e.target.value)}
          />
          <button
            type="button"
            disabled={busy}
            onClick={() => bulk("approve")}
            className="rounded-md bg-emerald-600 px-3 py-1.5 font-medium text-white disabled:opacity-50"
          >
            Approve selected
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() => bulk("deny")}
            className="rounded-md bg-red-600 px-3 py-1.5 font-medium text-white disabled:opacity-50"
          >
            Deny selected
          </button>
          <button
            type="button"
            className="text-slate-600 underline"
            onClick={() => setSelected(new Set())}
          >
            Clear
          </button>
        </div>
      )}

      {visible.length === 0 && !linked && !missing ? (
        <EmptyState title="Nothing waiting for you">
          Requests that need your decision, or human-only drafts for your groups, show up here.
        </EmptyState>
      ) : (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-5">
          <div className="min-w-0 lg:col-span-2">
            <div className="mb-2 flex items-center gap-2 text-xs text-slate-600">
              <label className="flex items-center gap-2">
                <input
                  type="checkbox"
                  aria-label="Select all shown"
                  checked={selected.size > 0 && visible.every((i) => selected.has(i.id))}
                  onChange={(e) =>
                    setSelected(e.target.checked ? new Set(visible.map((i) => i.id)) : new Set())
                  }
                />
                Select all {visible.length} shown
              </label>
            </div>
            <ul
              ref={listRef}
              className="max-h-[70vh] space-y-2 overflow-y-auto pr-1"
              aria-label="Waiting requests"
            >
              {visible.map((i) => (
                <li key={i.id} data-id={i.id}>
                  <div
                    className={`flex gap-2 rounded-lg border p-3 text-sm ${i.id === activeId ? "border-sky-400 bg-sky-50 ring-1 ring-sky-300" : "border-slate-200 bg-white hover:border-slate-300"}`}
                  >
                    <input
                      type="checkbox"
                      aria-label={`Select ${recordLabel(i)} (${i.id})`}
                      checked={selected.has(i.id)}
                      onChange={() => toggle(i.id)}
                      className="mt-1"
                    />
                    <button
                      type="button"
                      className="min-w-0 flex-1 text-left"
                      onClick={() => setActiveId(i.id)}
                      aria-current={i.id === activeId}
                    >
                      <div className="flex flex-wrap items-center gap-1.5">
                        <Badge tone={RISK_TONE[i.risk.label]}>{i.risk.label}</Badge>
                        {i.status === "draft" && <Badge tone="violet">draft</Badge>}
                        {i.escalatedTo && <Badge tone="red">escalated</Badge>}
                        {i.returnedAfterConflict && (
                          <Badge tone="amber">changed in Salesforce</Badge>
                        )}
                        <span className="min-w-0 truncate font-medium" data-testid="record-name">
                          {recordLabel(i)}
                        </span>
                      </div>
                      <RecordFactsLine record={i.record} />
                      <div className="mt-1 truncate text-xs text-slate-500">
                        {i.actionType ?? i.object} · {i.agent.slug} · {i.environment}
                      </div>
                      <div className="mt-1 truncate text-xs text-slate-500">
                        {i.changes.map((c) => `${c.field} → ${show(c.to)}`).join(", ")}
                      </div>
                      <div className="mt-1 flex justify-between text-xs">
                        <SlaCountdown due={i.slaDueAt} now={now} />
                        <span className="text-slate-500">
                          {i.approvals}/{i.requiredApprovals} approvals
                        </span>
                      </div>
                    </button>
                  </div>
                </li>
              ))}
            </ul>
            {cursor && (
              <button
                type="button"
                onClick={loadMore}
                className="mt-2 w-full rounded-md border border-slate-300 bg-white py-1.5 text-sm"
              >
                Load more
              </button>
            )}
          </div>
          <div className="min-w-0 lg:col-span-3">{detailPane}</div>
        </div>
      )}

      {pending && <UndoToast label={pending.q.label} until={pending.until} onUndo={undo} />}
    </div>
  );
}
