"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import type { TInboxDetail, TInboxItem } from "@/lib/approvals";
import { Badge, EmptyState } from "@/components/ui";
import { formatTime } from "@/components/format";
import { sendJson } from "@/components/send-json";

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

const RISK_TONE = { high: "red", elevated: "amber", normal: "gray" } as const;

const show = (v: unknown) =>
  v === null || v === undefined || v === ""
    ? "—"
    : typeof v === "object"
      ? JSON.stringify(v)
      : String(v);
const same = (a: unknown, b: unknown) => show(a) === show(b);

function useNow(intervalMs = 15_000) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

function duration(ms: number) {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "due in 1h 12m" / "overdue by 20m": the SLA at a glance, updated while the page is open. */
export function SlaCountdown({ due, now }: { due: string | null; now: number | null }) {
  if (!due) return <span className="text-slate-400">no SLA</span>;
  if (now === null) return <span className="text-slate-500">due {formatTime(due)}</span>;
  const left = new Date(due).getTime() - now;
  return left >= 0 ? (
    <span
      className={left < 30 * 60_000 ? "text-amber-700" : "text-slate-600"}
      title={formatTime(due)}
    >
      due in {duration(left)}
    </span>
  ) : (
    <span className="font-medium text-red-700" title={formatTime(due)}>
      overdue by {duration(-left)}
    </span>
  );
}

export function InboxBoard({
  initial,
  facets,
  filters,
  canDecide,
  focusId,
}: {
  initial: TPage;
  facets: TFacets;
  filters: TFilters;
  canDecide: boolean;
  focusId?: string;
}) {
  const router = useRouter();
  const now = useNow();
  const [items, setItems] = useState(initial.items);
  const [cursor, setCursor] = useState(initial.nextCursor);
  const [total, setTotal] = useState(initial.total);
  const [activeId, setActiveId] = useState<string | null>(
    focusId && initial.items.some((i) => i.id === focusId)
      ? focusId
      : (initial.items[0]?.id ?? null),
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<{ tone: "ok" | "error"; text: string } | null>(null);
  const [bulkReason, setBulkReason] = useState("");
  const [busy, setBusy] = useState(false);
  const listRef = useRef<HTMLUListElement>(null);
  const detailRef = useRef<{ approve: () => void; deny: () => void } | null>(null);

  const active = items.find((i) => i.id === activeId) ?? null;

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

  /** Remove decided requests from the list and move on to the next one. */
  const removeItems = useCallback(
    (ids: string[]) => {
      setItems((prev) => {
        const idx = prev.findIndex((i) => i.id === activeId);
        const rest = prev.filter((i) => !ids.includes(i.id));
        if (activeId && ids.includes(activeId)) {
          setActiveId(rest[Math.min(Math.max(idx, 0), rest.length - 1)]?.id ?? null);
        }
        return rest;
      });
      setSelected((prev) => new Set([...prev].filter((id) => !ids.includes(id))));
      setTotal((t) => (t === null ? t : Math.max(0, t - ids.length)));
    },
    [activeId],
  );

  const move = useCallback(
    (delta: number) => {
      if (!items.length) return;
      const idx = items.findIndex((i) => i.id === activeId);
      const next = items[Math.min(items.length - 1, Math.max(0, idx + delta))];
      setActiveId(next.id);
      listRef.current
        ?.querySelector(`[data-id="${next.id}"]`)
        ?.scrollIntoView({ block: "nearest" });
    },
    [items, activeId],
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
      else if (e.key === "a" && canDecide) detailRef.current?.approve();
      else if (e.key === "d" && canDecide) detailRef.current?.deny();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [move, activeId, canDecide]);

  const bulk = async (decision: "approve" | "deny") => {
    setBusy(true);
    setNotice(null);
    try {
      const res = await sendJson<{
        decided: number;
        failed: number;
        results: { id: string; ok: boolean; status?: string; error?: string }[];
      }>("/api/internal/inbox/bulk", "POST", { ids: [...selected], decision, reason: bulkReason });
      const done = res.results
        .filter((r) => r.ok && r.status !== "pending_approval")
        .map((r) => r.id);
      removeItems(done);
      const failures = res.results.filter((r) => !r.ok);
      setNotice({
        tone: failures.length ? "error" : "ok",
        text:
          `${decision === "approve" ? "Approved" : "Denied"} ${res.decided} of ${res.results.length}.` +
          (failures.length
            ? ` Not decided: ${failures.map((f) => `${f.id} (${f.error})`).join("; ")}`
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

  return (
    <div className="space-y-4">
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
          move · x select · a approve · d deny
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
            aria-label="Reason for the selection"
            placeholder="One reason for all of them (required)"
            className="min-w-72 flex-1 rounded-md border border-slate-300 px-2 py-1.5"
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

      {items.length === 0 ? (
        <EmptyState title="Nothing waiting for you">
          Requests that need your decision, or human-only drafts for your groups, show up here.
        </EmptyState>
      ) : (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-5">
          <div className="lg:col-span-2">
            <div className="mb-2 flex items-center gap-2 text-xs text-slate-600">
              <label className="flex items-center gap-2">
                <input
                  type="checkbox"
                  aria-label="Select all shown"
                  checked={selected.size > 0 && items.every((i) => selected.has(i.id))}
                  onChange={(e) =>
                    setSelected(e.target.checked ? new Set(items.map((i) => i.id)) : new Set())
                  }
                />
                Select all {items.length} shown
              </label>
            </div>
            <ul
              ref={listRef}
              className="max-h-[70vh] space-y-2 overflow-y-auto pr-1"
              aria-label="Waiting requests"
            >
              {items.map((i) => (
                <li key={i.id} data-id={i.id}>
                  <div
                    className={`flex gap-2 rounded-lg border p-3 text-sm ${i.id === activeId ? "border-sky-400 bg-sky-50 ring-1 ring-sky-300" : "border-slate-200 bg-white hover:border-slate-300"}`}
                  >
                    <input
                      type="checkbox"
                      aria-label={`Select ${i.id}`}
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
                        <span className="font-medium">{i.actionType ?? i.object}</span>
                      </div>
                      <div className="mt-1 truncate text-slate-600">
                        {i.agent.slug} · {i.environment} · {i.object} {i.recordId ?? "(new)"}
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
          <div className="lg:col-span-3">
            {active ? (
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
            ) : (
              <EmptyState title="Pick a request">
                Choose one on the left to see its diff and evidence.
              </EmptyState>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

function RequestDetail({
  item,
  now,
  canDecide,
  bind,
  onDone,
}: {
  item: TInboxItem;
  now: number | null;
  canDecide: boolean;
  bind: (h: { approve: () => void; deny: () => void } | null) => void;
  onDone: (text: string, remove: boolean) => void;
}) {
  const [detail, setDetail] = useState<TInboxDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    let live = true;
    sendJson<TInboxDetail>(`/api/internal/inbox/${item.id}`)
      .then((d) => live && setDetail(d))
      .catch((e) => live && setLoadError((e as Error).message));
    return () => {
      live = false;
    };
  }, [item.id]);

  const seen = useMemo(() => {
    if (!detail || detail.currentError || !detail.diff.every((d) => d.current !== undefined))
      return undefined;
    return Object.fromEntries(detail.diff.map((d) => [d.field, d.current]));
  }, [detail]);

  const act = useCallback(
    async (kind: "approve" | "deny" | "execute" | "discard") => {
      setError(null);
      if ((kind === "deny" || kind === "discard") && !reason.trim()) {
        setError(
          kind === "deny"
            ? "Say why you deny it: a reason is required."
            : "Say why you discard it: a reason is required.",
        );
        reasonRef.current?.focus();
        return;
      }
      setBusy(true);
      try {
        if (kind === "approve" || kind === "deny") {
          const r = await sendJson<{ status: string; approvals: number; required: number }>(
            `/api/internal/inbox/${item.id}/decision`,
            "POST",
            {
              decision: kind,
              reason: reason.trim() || undefined,
              ...(kind === "approve" && seen ? { seen } : {}),
            },
          );
          if (r.status === "pending_approval") {
            onDone(
              `Your approval is recorded (${r.approvals} of ${r.required}); it still needs more.`,
              true,
            );
          } else {
            onDone(
              r.status === "approved"
                ? `Approved ${item.id}: queued for execution.`
                : `Denied ${item.id}.`,
              true,
            );
          }
        } else {
          await sendJson(`/api/internal/inbox/${item.id}/draft`, "POST", {
            action: kind,
            reason: reason.trim() || undefined,
            ...(kind === "execute" && seen ? { seen } : {}),
          });
          onDone(
            kind === "execute" ? `Executing draft ${item.id}.` : `Discarded draft ${item.id}.`,
            true,
          );
        }
      } catch (e) {
        setError((e as Error).message);
      } finally {
        setBusy(false);
      }
    },
    [item.id, reason, seen, onDone],
  );

  useEffect(() => {
    bind({
      approve: () => void act(item.status === "draft" ? "execute" : "approve"),
      deny: () => {
        if (!reason.trim()) {
          setError("Type the reason for the denial, then press Deny.");
          reasonRef.current?.focus();
        } else void act(item.status === "draft" ? "discard" : "deny");
      },
    });
    return () => bind(null);
  }, [bind, act, item.status, reason]);

  const isDraft = item.status === "draft";
  return (
    <section
      aria-label={`Request ${item.id}`}
      className="rounded-xl border border-slate-200 bg-white p-5"
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 className="text-lg font-semibold">
            {item.actionTypeName ?? item.actionType ?? item.object}
          </h2>
          <div className="text-sm text-slate-600">
            {item.agent.name} ({item.agent.slug}) · {item.environment}
            {item.workflow ? ` · ${item.workflow.key} v${item.workflow.version}` : ""} ·{" "}
            {item.object} <span className="font-mono">{item.recordId ?? "(new record)"}</span>
          </div>
          <div className="mt-1 font-mono text-xs text-slate-400">{item.id}</div>
        </div>
        <div className="text-right text-sm">
          <SlaCountdown due={item.slaDueAt} now={now} />
          <div className="text-xs text-slate-500">proposed {formatTime(item.createdAt)}</div>
          {item.expiresAt && (
            <div className="text-xs text-slate-500">expires {formatTime(item.expiresAt)}</div>
          )}
        </div>
      </div>

      {loadError && (
        <p role="alert" className="mt-4 text-sm text-red-700">
          {loadError}
        </p>
      )}
      {!detail && !loadError && (
        <p className="mt-4 text-sm text-slate-500">Reading the record from Salesforce…</p>
      )}
      {detail && (
        <>
          <h3 className="mt-5 text-sm font-semibold">Change</h3>
          {detail.currentError && (
            <p className="mt-1 text-sm text-amber-800">{detail.currentError}</p>
          )}
          <table className="mt-2 w-full text-sm" aria-label="Diff">
            <thead>
              <tr className="text-left text-xs text-slate-500">
                <th className="py-1 pr-3 font-medium">Field</th>
                <th className="py-1 pr-3 font-medium">When proposed</th>
                <th className="py-1 pr-3 font-medium">In Salesforce now</th>
                <th className="py-1 font-medium">Proposed</th>
              </tr>
            </thead>
            <tbody>
              {detail.diff.map((d) => {
                const drifted = d.current !== undefined && !same(d.current, d.whenProposed);
                return (
                  <tr key={d.field} className="border-t border-slate-100 align-top">
                    <td className="py-1.5 pr-3 font-mono text-xs">{d.field}</td>
                    <td className="py-1.5 pr-3 text-slate-500">{show(d.whenProposed)}</td>
                    <td className={`py-1.5 pr-3 ${drifted ? "font-medium text-amber-800" : ""}`}>
                      {!item.recordId ? (
                        <span className="text-slate-400">new record</span>
                      ) : d.current === undefined ? (
                        "—"
                      ) : (
                        show(d.current)
                      )}
                      {drifted && <div className="text-xs">changed since the proposal</div>}
                    </td>
                    <td className="py-1.5 font-medium text-emerald-800">{show(d.proposed)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {detail.currentReadAt && (
            <p className="mt-1 text-xs text-slate-400">
              Read from Salesforce at {formatTime(detail.currentReadAt)}
            </p>
          )}

          <div className="mt-5 grid gap-4 md:grid-cols-2">
            <div>
              <h3 className="text-sm font-semibold">Why</h3>
              <p className="mt-1 text-sm">
                {detail.reasonCode && <Badge tone="blue">{detail.reasonCode}</Badge>}{" "}
                {detail.reasonText ?? <span className="text-slate-400">no reason text</span>}
              </p>
              <h3 className="mt-3 text-sm font-semibold">Evidence</h3>
              {detail.evidence.length === 0 ? (
                <p className="text-sm text-slate-400">none attached</p>
              ) : (
                <ul className="mt-1 space-y-1 text-sm" aria-label="Evidence">
                  {detail.evidence.map((e, n) => (
                    <li key={n}>
                      <span className="text-slate-500">{e.type}: </span>
                      {/^https?:\/\//.test(e.ref) ? (
                        <a
                          href={e.ref}
                          target="_blank"
                          rel="noreferrer noopener"
                          className="break-all text-sky-700 underline"
                        >
                          {e.ref}
                        </a>
                      ) : (
                        <span className="break-all">{e.ref}</span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </div>
            <div>
              <h3 className="text-sm font-semibold">Rule</h3>
              <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-sm">
                <dt className="text-slate-500">Rule</dt>
                <dd className="font-mono text-xs">{detail.rule.key ?? "—"}</dd>
                <dt className="text-slate-500">Mode</dt>
                <dd>{detail.mode?.replaceAll("_", " ") ?? "—"}</dd>
                <dt className="text-slate-500">Decided by</dt>
                <dd>
                  {detail.approverRole?.replaceAll("_", " ") ?? "—"}
                  {detail.escalatedTo
                    ? ` (escalated to ${detail.escalatedTo.replaceAll("_", " ")})`
                    : ""}
                </dd>
                <dt className="text-slate-500">Approvals</dt>
                <dd>
                  {detail.approvals} of {detail.requiredApprovals}
                </dd>
                {detail.rule.slaMinutes && (
                  <>
                    <dt className="text-slate-500">SLA</dt>
                    <dd>{duration(detail.rule.slaMinutes * 60_000)}</dd>
                  </>
                )}
                {detail.rule.rollbackPlan && (
                  <>
                    <dt className="text-slate-500">Undo</dt>
                    <dd>{detail.rule.rollbackPlan}</dd>
                  </>
                )}
              </dl>
              {detail.reasons.length > 0 && (
                <ul className="mt-2 list-disc pl-5 text-xs text-slate-600">
                  {detail.reasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              )}
            </div>
          </div>

          {detail.lastErrorMessage && detail.returnedAfterConflict && (
            <p className="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
              Back for a new decision: {detail.lastErrorMessage}
            </p>
          )}
          {detail.decisions.length > 0 && (
            <div className="mt-4">
              <h3 className="text-sm font-semibold">Decisions so far</h3>
              <ul className="mt-1 text-sm">
                {detail.decisions.map((d, n) => (
                  <li key={n}>
                    {d.by}: {d.decision} {d.reason ? `— ${d.reason}` : ""}{" "}
                    <span className="text-xs text-slate-500">{formatTime(d.at)}</span>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {detail.ownedByMe && (
            <p className="mt-4 text-sm text-amber-800">
              You own {detail.agent.slug}: for raised-risk or amount changes someone else must
              approve.
            </p>
          )}
        </>
      )}

      {canDecide ? (
        <div className="mt-5 border-t border-slate-100 pt-4">
          <label htmlFor="decision-reason" className="text-sm font-medium">
            Reason {isDraft ? "(required to discard)" : "(required to deny)"}
          </label>
          <textarea
            id="decision-reason"
            ref={reasonRef}
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            placeholder={isDraft ? "Why you execute or discard it" : "Why you approve or deny it"}
          />
          {error && (
            <p role="alert" className="mt-1 text-sm text-red-700">
              {error}
            </p>
          )}
          <div className="mt-2 flex gap-2">
            <button
              type="button"
              disabled={busy || item.decidedByMe}
              onClick={() => act(isDraft ? "execute" : "approve")}
              className="rounded-md bg-emerald-600 px-4 py-1.5 text-sm font-medium text-white disabled:opacity-50"
            >
              {isDraft ? "Execute" : "Approve"}
            </button>
            <button
              type="button"
              disabled={busy || item.decidedByMe}
              onClick={() => act(isDraft ? "discard" : "deny")}
              className="rounded-md bg-red-600 px-4 py-1.5 text-sm font-medium text-white disabled:opacity-50"
            >
              {isDraft ? "Discard" : "Deny"}
            </button>
            {item.decidedByMe && (
              <span className="self-center text-sm text-slate-500">You have decided this one.</span>
            )}
          </div>
        </div>
      ) : (
        <p className="mt-5 border-t border-slate-100 pt-4 text-sm text-slate-500">
          You can see this request but your role cannot decide it.
        </p>
      )}
    </section>
  );
}
